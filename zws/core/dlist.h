/* An intrusive doubly linked list: a node embedded in its owner, a list
 * head that is a node too, O(1) add at the tail and unlink. container_of
 * gets the owner back from its node. */
#ifndef ZWS_DLIST_H
#define ZWS_DLIST_H

#include <stdbool.h>
#include <stddef.h>

struct dlist {
	struct dlist *prev, *next;
};

static inline void dlist_init(struct dlist *head)
{
	head->prev = head->next = head;
}
static inline bool dlist_empty(const struct dlist *head)
{
	return head->next == head;
}
static inline bool dlist_linked(const struct dlist *n)
{
	return n->next != NULL && n->next != n;
}
static inline void dlist_add(struct dlist *head, struct dlist *n)
{
	n->next = head;
	n->prev = head->prev;
	head->prev->next = n;
	head->prev = n;
}
static inline void dlist_del(struct dlist *n)
{
	if (!n->next)
		return;
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

#endif
