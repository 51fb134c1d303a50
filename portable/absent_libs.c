/*
 * The portable build (-DECSCTL_PORTABLE=ON, docs/install.md) links libcurl,
 * libldap and GnuTLS from Debian's static archives, but three of the
 * libraries those archives call have no static archive in Debian: MIT
 * Kerberos (libgssapi_krb5: curl's Negotiate/SPNEGO and Kerberos FTP), Cyrus
 * SASL (libsasl2.a exists but drags in MySQL, PostgreSQL, SQLite and Berkeley
 * DB: libldap's SASL binds) and p11-kit (GnuTLS's PKCS#11 tokens, linked in
 * through libmicrohttpd). ecsctl uses none of these features: it speaks HTTPS
 * with SigV4 to AWS (OpenSSL), reads git over https/ssh (libgit2) and serves
 * plain HTTP (watch). So each entry point is defined here to fail the way its
 * library reports "not available", and the feature is off in this binary.
 *
 * The stubs are declared without the libraries' headers (none is installed):
 * every one returns a value in a register, which the x86-64 and aarch64
 * calling conventions read back for any integer or pointer return type.
 */
#include <stddef.h>

#define FAIL_WITH(value, name)                                                                     \
	long name(void);                                                                           \
	long name(void)                                                                            \
	{                                                                                          \
		return (value);                                                                    \
	}

/* GSS-API: every call fails with GSS_S_FAILURE (13 << 16), so curl's
 * Negotiate and Kerberos authentication report an error and nothing else. */
#define GSS_S_FAILURE (13L << 16)
const void *GSS_C_NT_HOSTBASED_SERVICE = NULL;
FAIL_WITH(GSS_S_FAILURE, gss_acquire_cred)
FAIL_WITH(GSS_S_FAILURE, gss_delete_sec_context)
FAIL_WITH(GSS_S_FAILURE, gss_display_name)
FAIL_WITH(GSS_S_FAILURE, gss_display_status)
FAIL_WITH(GSS_S_FAILURE, gss_import_name)
FAIL_WITH(GSS_S_FAILURE, gss_indicate_mechs)
FAIL_WITH(GSS_S_FAILURE, gss_init_sec_context)
FAIL_WITH(GSS_S_FAILURE, gss_inquire_context)
FAIL_WITH(GSS_S_FAILURE, gss_release_buffer)
FAIL_WITH(GSS_S_FAILURE, gss_release_cred)
FAIL_WITH(GSS_S_FAILURE, gss_release_name)
FAIL_WITH(GSS_S_FAILURE, gss_release_oid_set)
FAIL_WITH(GSS_S_FAILURE, gss_unwrap)
FAIL_WITH(GSS_S_FAILURE, gss_wrap)

/* Cyrus SASL: SASL_FAIL (-1); the string and list getters give NULL. */
FAIL_WITH(-1, sasl_client_init)
FAIL_WITH(-1, sasl_client_new)
FAIL_WITH(-1, sasl_client_start)
FAIL_WITH(-1, sasl_client_step)
FAIL_WITH(-1, sasl_decode)
FAIL_WITH(-1, sasl_encode)
FAIL_WITH(-1, sasl_getprop)
FAIL_WITH(-1, sasl_setprop)
FAIL_WITH(0, sasl_dispose)
FAIL_WITH(0, sasl_errdetail)
FAIL_WITH(0, sasl_errstring)
FAIL_WITH(0, sasl_global_listmech)
FAIL_WITH(0, sasl_set_mutex)

/* p11-kit: no module loads (NULL), no URI parses; GnuTLS then has no PKCS#11
 * token, which is what it does on a system without p11-kit modules. */
FAIL_WITH(0, p11_kit_config_option)
FAIL_WITH(0, p11_kit_message)
FAIL_WITH(0, p11_kit_module_finalize)
FAIL_WITH(0, p11_kit_module_get_flags)
FAIL_WITH(0, p11_kit_module_get_name)
FAIL_WITH(0, p11_kit_module_load)
FAIL_WITH(0, p11_kit_module_release)
FAIL_WITH(0, p11_kit_modules_load)
FAIL_WITH(0, p11_kit_pin_file_callback)
FAIL_WITH(0, p11_kit_pin_get_length)
FAIL_WITH(0, p11_kit_pin_get_value)
FAIL_WITH(0, p11_kit_pin_new_for_string)
FAIL_WITH(-1, p11_kit_pin_register_callback)
FAIL_WITH(0, p11_kit_pin_request)
FAIL_WITH(0, p11_kit_pin_unref)
FAIL_WITH(0, p11_kit_pin_unregister_callback)
FAIL_WITH(0, p11_kit_space_strdup)
FAIL_WITH(0, p11_kit_space_strlen)
FAIL_WITH(0, p11_kit_strerror)
FAIL_WITH(-1, p11_kit_uri_format)
FAIL_WITH(0, p11_kit_uri_free)
FAIL_WITH(0, p11_kit_uri_get_attribute)
FAIL_WITH(0, p11_kit_uri_get_attributes)
FAIL_WITH(0, p11_kit_uri_get_module_info)
FAIL_WITH(0, p11_kit_uri_get_pin_source)
FAIL_WITH(0, p11_kit_uri_get_pin_value)
FAIL_WITH(0, p11_kit_uri_get_token_info)
FAIL_WITH(0, p11_kit_uri_match_module_info)
FAIL_WITH(0, p11_kit_uri_match_token_info)
FAIL_WITH(0, p11_kit_uri_new)
FAIL_WITH(-1, p11_kit_uri_parse)
FAIL_WITH(-1, p11_kit_uri_set_attribute)
