# -DECSCTL_PORTABLE=ON (docs/install.md, "The portable binary"): ecsctl and
# ecs-local with libcurl, libyaml, jansson, libgit2, OpenSSL and libmicrohttpd
# and everything those call linked from Debian's static archives (.a), so
# the binary loads only glibc (libc, libm) and runs on any x86-64 Linux with
# glibc >= the build's. scripts/package.sh builds it in build-portable/.
#
# The archives, in an order the linker needs less of (they are one group
# anyway): what `pkg-config --static --libs` lists for the six libraries,
# less MIT Kerberos, Cyrus SASL and p11-kit, which Debian ships no usable
# archive of (portable/absent_libs.c says why and stands in for them).
set(ECSCTL_STATIC_LIBS
    curl nghttp2 rtmp ssh2 psl idn2 unistring zstd brotlidec brotlicommon ldap lber
    git2 mbedtls mbedx509 mbedcrypto http_parser pcre2-8
    microhttpd gnutls nettle hogweed gmp tasn1
    ssl crypto yaml jansson z)
set(ECSCTL_STATIC_ARCHIVES "")
foreach(lib ${ECSCTL_STATIC_LIBS})
  find_library(ECSCTL_STATIC_${lib} NAMES lib${lib}.a)
  if(NOT ECSCTL_STATIC_${lib})
    message(FATAL_ERROR "ECSCTL_PORTABLE: lib${lib}.a not found (scripts/setup.sh installs "
                        "the -dev packages that ship it)")
  endif()
  list(APPEND ECSCTL_STATIC_ARCHIVES ${ECSCTL_STATIC_${lib}})
endforeach()

add_library(ecsctl_absent_libs STATIC portable/absent_libs.c)
add_library(ecsctl_portable_libs INTERFACE)
# One group: the archives call each other in circles (libcurl <-> GnuTLS via
# librtmp, libldap <-> liblber), and the stand-ins are found last.
target_link_libraries(ecsctl_portable_libs INTERFACE
                      -Wl,--start-group ${ECSCTL_STATIC_ARCHIVES} ecsctl_absent_libs
                      -Wl,--end-group Threads::Threads m dl resolv)
# What the pkg-config targets would link (the shared libraries) is replaced
# by the group; their include directories stay.
foreach(t CURL YAML JANSSON GIT2 SSL MHD)
  set_property(TARGET PkgConfig::${t} PROPERTY INTERFACE_LINK_LIBRARIES ecsctl_portable_libs)
  set_property(TARGET PkgConfig::${t} PROPERTY INTERFACE_LINK_OPTIONS "")
  set_property(TARGET PkgConfig::${t} PROPERTY INTERFACE_LINK_DIRECTORIES "")
endforeach()
