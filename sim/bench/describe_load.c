/*
 * Load generator for ecs-local: creates a cluster with N services, then
 * DescribeServices of 10 random services per request from T keep-alive
 * connections for S seconds, and prints requests per second.
 *
 *   cc -O2 -pthread -o describe_load sim/bench/describe_load.c
 *   ./describe_load PORT [services=5000] [threads=4] [seconds=5]
 *
 * Loopback only: it connects to 127.0.0.1 and nothing else.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, services, seconds;
static volatile int stop;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dial(void)
{
	struct sockaddr_in a = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Sends one request, reads the whole answer; returns the HTTP status. */
static int call(int fd, const char *op, const char *body, char *buf, size_t cap)
{
	char req[4096];
	int n = snprintf(
	    req, sizeof(req),
	    "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "X-Amz-Target: AmazonEC2ContainerServiceV20141113.%s\r\n"
	    "Content-Type: application/x-amz-json-1.1\r\nContent-Length: %zu\r\n\r\n%s",
	    port, op, strlen(body), body);
	size_t got = 0;
	long want = -1;
	char *hdr_end = NULL;

	if (write(fd, req, (size_t)n) != n)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf + got, cap - got - 1);
		if (r <= 0)
			return -1;
		got += (size_t)r;
		buf[got] = '\0';
		if (!hdr_end && (hdr_end = strstr(buf, "\r\n\r\n"))) {
			char *cl = strcasestr(buf, "content-length:");
			want = cl ? strtol(cl + 15, NULL, 10) : 0;
		}
		if (hdr_end && (long)(got - (size_t)(hdr_end + 4 - buf)) >= want)
			break;
		if (got + 1 >= cap)
			return -1;
	}
	return (int)strtol(buf + 9, NULL, 10);
}

static void *worker(void *arg)
{
	long *count = arg;
	char *buf = malloc(1 << 20), body[1024];
	unsigned seed = (unsigned)(size_t)arg;
	int fd = dial();

	while (!stop) {
		int n = snprintf(body, sizeof(body), "{\"cluster\":\"bench\",\"services\":[");
		for (int i = 0; i < 10; i++)
			n += snprintf(body + n, sizeof(body) - (size_t)n, "%s\"svc-%d\"",
			              i ? "," : "", rand_r(&seed) % services);
		snprintf(body + n, sizeof(body) - (size_t)n, "]}");
		if (call(fd, "DescribeServices", body, buf, 1 << 20) != 200) {
			fprintf(stderr, "DescribeServices failed\n");
			exit(1);
		}
		(*count)++;
	}
	close(fd);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 4;
	long counts[64] = {0}, total = 0;
	pthread_t tid[64];
	char *buf = malloc(1 << 20), body[512];
	double t0;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: describe_load PORT [services] [threads] [seconds]\n");
		return 64;
	}
	port = (int)strtol(argv[1], NULL, 10);
	services = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5000;
	seconds = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 5;
	if (threads < 1 || threads > 64 || services < 10) {
		fprintf(stderr, "threads 1..64, services >= 10\n");
		return 64;
	}
	fd = dial();
	t0 = now();
	call(fd, "CreateCluster", "{\"clusterName\":\"bench\"}", buf, 1 << 20);
	call(fd, "RegisterTaskDefinition",
	     "{\"family\":\"bench\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"nginx\","
	     "\"memory\":64}]}",
	     buf, 1 << 20);
	for (int i = 0; i < services; i++) {
		snprintf(body, sizeof(body),
		         "{\"cluster\":\"bench\",\"serviceName\":\"svc-%d\",\"taskDefinition\":"
		         "\"bench\",\"desiredCount\":1}",
		         i);
		/* a second run finds them: "not idempotent" means it exists */
		if (call(fd, "CreateService", body, buf, 1 << 20) != 200 &&
		    !strstr(buf, "not idempotent")) {
			fprintf(stderr, "CreateService failed: %s\n", buf);
			return 1;
		}
	}
	close(fd);
	printf("created %d services in %.2f s\n", services, now() - t0);
	sleep(2); /* let the deployments settle */
	t0 = now();
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, worker, &counts[i]);
	sleep((unsigned)seconds);
	stop = 1;
	for (int i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		total += counts[i];
	}
	printf("DescribeServices (10 of %d services): %ld requests in %.2f s = %.0f req/s "
	       "with %d connections\n",
	       services, total, now() - t0, total / (now() - t0), threads);
	free(buf);
	return 0;
}
