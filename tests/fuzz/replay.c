/*
 * replay.c -- run a libFuzzer harness over files, as an ordinary test
 *
 * SYNOPSIS
 *	<harness> [FILE | DIRECTORY]...
 *
 * DESCRIPTION
 *	Linked into each harness when the build is not --enable-fuzzing (the
 *	libpsl trick): every file named, and every regular file in every
 *	directory named, is passed once to LLVMFuzzerTestOneInput.  Under
 *	ASan/UBSan a crash or leak fails the test.  Prints "N passed,
 *	N failed" where N counts inputs replayed; a missing directory is an
 *	error, never a silent pass.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* replay_file - feed one file to the harness */
static int
replay_file(const char *path)
{
	FILE *fp;
	uint8_t *buf;
	long n;

	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return -1;
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned ok = 0, bad = 0;
	int i;

	for (i = 1; i < argc; i++) {
		struct stat st;
		struct dirent *de;
		DIR *d;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			bad++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			replay_file(argv[i]) == 0 ? ok++ : bad++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			bad++;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				replay_file(path) == 0 ? ok++ : bad++;
		}
		closedir(d);
	}
	if (ok == 0)
		bad++;
	printf("%u passed, %u failed\n", ok, bad);
	return bad ? 1 : 0;
}
