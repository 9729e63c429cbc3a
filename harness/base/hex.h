#ifndef TCPCONFORM_HEX_H
#define TCPCONFORM_HEX_H

/* The value of one hex digit, either case, or -1: shared by the shorthand's raw option
 * bytes (packet/tpl_lex.c) and the agent protocol's hex fields (agent/agent_proto.c). */
static inline int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
