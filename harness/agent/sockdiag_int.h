#ifndef TCPCONFORM_SOCKDIAG_INT_H
#define TCPCONFORM_SOCKDIAG_INT_H

/* For tests of sockdiag.c only: the descriptor of the netlink socket sockdiag_state
 * keeps between queries, or -1 when none is open (before the first query, after an
 * error). A test writes a request of its own on it and leaves the reply unread (a query
 * cut short), or puts another file in its place (dup2) to make the next query fail. */
int sockdiag_fd(void);

#endif
