/* tcpconform: a TCP conformance harness. Everything but this file is in the library. */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv, stdout, stderr);
}
