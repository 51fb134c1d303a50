/*
 * Task definitions by ARN, kept across a watch's ticks: a revision never
 * changes once registered, so an answer read once stays true. Bounded; the
 * least recently used entry goes first. Slots form a doubly linked list,
 * most recently used at the head, so that a lookup and an eviction cost
 * O(1) whatever the size.
 */
#include <stdlib.h>
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

struct slot {
	json_t *td;
	long prev, next; /* -1 = none */
};

struct ecsctl_td_cache {
	struct slot *slots;
	size_t n, max;
	long head, tail; /* most / least recently used */
	json_t *index;   /* {"arn": slot number} */
};

int ecsctl_td_cache_new(struct ecsctl_td_cache **out, size_t max)
{
	struct ecsctl_td_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c || !(c->index = json_object()) ||
	    !(c->slots = calloc(max ? max : 1, sizeof(*c->slots)))) {
		ecsctl_td_cache_free(c);
		return -1;
	}
	c->max = max ? max : 1;
	c->head = c->tail = -1;
	*out = c;
	return 0;
}

void ecsctl_td_cache_free(struct ecsctl_td_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		json_decref(c->slots[i].td);
	free(c->slots);
	json_decref(c->index);
	free(c);
}

size_t ecsctl_td_cache_count(const struct ecsctl_td_cache *c)
{
	return c ? c->n : 0;
}

static void unlink_slot(struct ecsctl_td_cache *c, long i)
{
	struct slot *s = &c->slots[i];

	if (s->prev >= 0)
		c->slots[s->prev].next = s->next;
	else
		c->head = s->next;
	if (s->next >= 0)
		c->slots[s->next].prev = s->prev;
	else
		c->tail = s->prev;
	s->prev = s->next = -1;
}

static void push_front(struct ecsctl_td_cache *c, long i)
{
	struct slot *s = &c->slots[i];

	s->prev = -1;
	s->next = c->head;
	if (c->head >= 0)
		c->slots[c->head].prev = i;
	c->head = i;
	if (c->tail < 0)
		c->tail = i;
}

const json_t *ecsctl_td_cache_get(struct ecsctl_td_cache *c, const char *arn)
{
	json_t *at;
	long i;

	if (!c || !arn || !(at = json_object_get(c->index, arn)))
		return NULL;
	i = (long)json_integer_value(at);
	if (i != c->head) {
		unlink_slot(c, i);
		push_front(c, i);
	}
	return c->slots[i].td;
}

int ecsctl_td_cache_put(struct ecsctl_td_cache *c, const json_t *td)
{
	const char *arn = json_string_value(json_object_get(td, "taskDefinitionArn"));
	long i;

	if (!c || !arn)
		return 0;
	if (ecsctl_td_cache_get(c, arn))
		return 0; /* the same revision: the same content */
	if (c->n < c->max) {
		i = (long)c->n++;
	} else {
		i = c->tail;
		unlink_slot(c, i);
		json_object_del(c->index, json_string_value(json_object_get(c->slots[i].td,
		                                                            "taskDefinitionArn")));
		json_decref(c->slots[i].td);
	}
	c->slots[i].td = json_incref((json_t *)td);
	c->slots[i].prev = c->slots[i].next = -1;
	push_front(c, i);
	if (json_object_set_new(c->index, arn, json_integer(i))) {
		unlink_slot(c, i);
		json_decref(c->slots[i].td);
		c->slots[i].td = NULL;
		/* out of memory: a slot not at the end is lost for good */
		if ((size_t)i == c->n - 1)
			c->n--;
		return -1;
	}
	return 0;
}
