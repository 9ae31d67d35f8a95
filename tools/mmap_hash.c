/* SPDX-License-Identifier: MIT */
/*
 * mmap_hash.c: does hashing a blob through mmap() beat read() into a
 * buffer?  (docs/performance.md, "Tried and dropped".)  Not built by make.
 *
 *	cc -O2 -o /tmp/mmap_hash tools/mmap_hash.c -lcrypto -lpthread
 *	/tmp/mmap_hash read BLOB 1     read() 1 MiB at a time, hash each
 *	/tmp/mmap_hash map BLOB 1      map 1 MiB windows (MAP_POPULATE), hash,
 *	                               unmap
 *
 * Prints the process's user and system time.  A second, idle thread
 * stands for imgaudit's others: unmapping then has to flush its TLB too.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

static volatile int stop;

static void *
idle(void *arg)
{
	(void)arg;
	while (!stop)
		usleep(1000);
	return NULL;
}

static double
secs(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sum[32], *buf;
	struct rusage ru;
	struct stat sb;
	pthread_t tid;
	unsigned len;
	size_t win;
	off_t off;
	int fd, map;

	if (argc != 4 || (strcmp(argv[1], "read") && strcmp(argv[1], "map"))) {
		fprintf(stderr, "usage: mmap_hash read|map FILE MIB\n");
		return 2;
	}
	map = strcmp(argv[1], "map") == 0;
	win = (size_t)atoi(argv[3]) << 20;
	if ((fd = open(argv[2], O_RDONLY)) < 0 || fstat(fd, &sb) != 0 ||
	    win == 0 || (buf = malloc(win)) == NULL) {
		perror(argv[2]);
		return 2;
	}
	pthread_create(&tid, NULL, idle, NULL);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (off = 0; off < sb.st_size; off += (off_t)win) {
		size_t n = (size_t)(sb.st_size - off) < win ?
		    (size_t)(sb.st_size - off) : win, got = 0;
		unsigned char *p = buf;

		if (map) {
			p = mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
			    fd, off);
			if (p == MAP_FAILED) {
				perror("mmap");
				return 2;
			}
		}
		while (!map && got < n) {
			ssize_t k = pread(fd, buf + got, n - got,
			    off + (off_t)got);

			if (k <= 0) {
				perror("read");
				return 2;
			}
			got += (size_t)k;
		}
		EVP_DigestUpdate(md, p, n);
		if (map)
			munmap(p, n);
	}
	EVP_DigestFinal_ex(md, sum, &len);
	stop = 1;
	pthread_join(tid, NULL);
	getrusage(RUSAGE_SELF, &ru);
	printf("%s, %zu MiB: user %.2f s, system %.2f s, sha256 %02x%02x...\n",
	    argv[1], win >> 20, secs(ru.ru_utime), secs(ru.ru_stime), sum[0],
	    sum[1]);
	EVP_MD_CTX_free(md);
	free(buf);
	return 0;
}
