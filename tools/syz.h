/* SPDX-License-Identifier: MIT */
/*
 * syzkaller programs: the call-description table for the KVM calls hvsim
 * models, and a parser of syzkaller's program text ("r1 =
 * ioctl$KVM_CREATE_VM(r0, 0xae01, 0x0)") into calls whose arguments are
 * typed, checked against the table and laid out as the calls' memory
 * would hold them (docs/scenarios.md).
 *
 * Data addresses: program text writes them as SYZ_DATA_BASE plus an
 * offset into syzkaller's data area of SYZ_DATA_SIZE bytes; every one is
 * resolved to that offset here, so an executor maps the area wherever it
 * likes (hvsim: at SYZ_DATA_BASE) and copies each pointee in at its offset.
 */
#ifndef HVSIM_TOOLS_SYZ_H
#define HVSIM_TOOLS_SYZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYZ_DATA_BASE		0x7f0000000000ULL	/* syzkaller's text encoding of address 0 */
#define SYZ_DATA_SIZE		(16ULL << 20)		/* 4096 pages of 4 KiB */
#define SYZ_MAX_CALLS		1024
#define SYZ_MAX_RES		(SYZ_MAX_CALLS)		/* r0 .. r1023 */
#define SYZ_MAX_DEPTH		16			/* nesting of {}, [] and & */
#define SYZ_MAX_ELEMS		4096			/* elements of one array */
#define SYZ_MAX_RERUN		1000
#define SYZ_MAX_FAIL_NTH	1000

/* ---- the call-description table ---- */

enum syz_kind {
	SYZ_T_INT,	/* intN, intptr, flags[..]: any value of its width */
	SYZ_T_CONST,	/* const[V]: V, or AUTO */
	SYZ_T_LEN,	/* len[field]: the sibling array's element count, or AUTO */
	SYZ_T_RES,	/* a resource (fd_kvm, ...): rN, or an integer */
	SYZ_T_PTR,	/* ptr[dir, T]: &(addr)[=T], &AUTO[=T], nil, or an integer */
	SYZ_T_VMA,	/* vma: &(addr/size)=nil, nil, or an integer */
	SYZ_T_STRUCT,	/* {f0, f1, ...}, trailing fields may be left out */
	SYZ_T_ARRAY,	/* [e0, e1, ...]; fixed length or variable */
	SYZ_T_STRING,	/* 'text' or "hex"; a default text */
};

enum syz_dir { SYZ_IN, SYZ_OUT, SYZ_INOUT };

struct syz_type;

struct syz_field {
	const char *name;
	const struct syz_type *type;
};

struct syz_type {
	const char *name;		/* "int32", "kvm_enable_cap", "fd_kvmvm" */
	enum syz_kind kind;
	unsigned int size;		/* bytes; 0: variable (arrays without a length, strings) */
	unsigned int align;		/* natural alignment; a struct's is its largest field's */
	uint64_t value;			/* CONST: the value */
	const char *parent;		/* RES: the kind it is one of ("fd"), or NULL */
	enum syz_dir dir;		/* PTR: which way the pointee goes */
	const struct syz_type *elem;	/* PTR: the pointee; ARRAY: the element */
	unsigned int len;		/* ARRAY: fixed element count, 0 variable */
	const struct syz_field *fields;	/* STRUCT */
	unsigned int nfields;
	unsigned int len_of;		/* LEN: index of the sibling it counts */
	const char *text;		/* STRING: the default, without its NUL */
};

struct syz_call_desc {
	const char *name;		/* "ioctl$KVM_CREATE_VM" */
	unsigned int nr;		/* x86-64 system call number */
	const struct syz_field *args;
	unsigned int nargs;
	const struct syz_type *ret;	/* the resource it returns, or NULL */
};

/* The whole table, sorted by name; and one call by name (NULL: not modelled). */
const struct syz_call_desc *syz_calls(unsigned int *n);
const struct syz_call_desc *syz_call_find(const char *name, size_t len);
/* Whether a resource of kind @have may stand where @want is expected (fd_kvmvm for fd). */
bool syz_res_compatible(const struct syz_type *have, const struct syz_type *want);

/* ---- programs ---- */

enum syz_arg_kind {
	SYZ_A_INT,	/* an integer (INT, CONST, LEN, a RES default, a raw PTR/VMA) */
	SYZ_A_RES,	/* a use of rN */
	SYZ_A_PTR,	/* a pointer into the data area, with its pointee */
	SYZ_A_NIL,	/* the null pointer */
	SYZ_A_GROUP,	/* a struct's fields or an array's elements */
	SYZ_A_DATA,	/* bytes of a string or buffer */
};

struct syz_arg {
	enum syz_arg_kind kind;
	const struct syz_type *type;
	unsigned int line, col;		/* where it is written (col 0: a default, not written) */
	uint64_t offset;		/* in the enclosing pointee (0 for a call argument) */
	uint64_t size;			/* bytes it takes in memory (8 for a call argument) */
	/* INT: the value; wider than its type's field is kept as written (truncated = true) */
	uint64_t val;
	bool is_auto;			/* AUTO: CONST and LEN values are computed */
	bool truncated;			/* its value does not fit its width; the low bytes are used */
	/* RES: the resource used, and syzkaller's r/div+add arithmetic */
	unsigned int res;
	uint64_t op_div, op_add;
	/* PTR: the data-area offset (or the auto-assigned one), the VMA's size, the pointee */
	uint64_t area_off;
	uint64_t vma_size;		/* VMA: bytes of the mapping */
	bool auto_addr;
	struct syz_arg *pointee;	/* NULL for a VMA */
	/* GROUP */
	struct syz_arg **elems;
	unsigned int nelems;
	/* DATA */
	uint8_t *data;
	size_t len;
};

struct syz_call {
	const struct syz_call_desc *desc;
	unsigned int line;
	int ret;			/* the resource it defines (rN), or -1 */
	struct syz_arg **args;		/* [desc->nargs] */
	bool async;			/* (async): own thread; the program goes on */
	unsigned int fail_nth;		/* (fail_nth: N): 0 none */
	unsigned int rerun;		/* (rerun: N): N more times; 0 none */
	int cpu;			/* # hvsim: cpu N before it: its thread's CPU, or -1 */
};

/* Where each resource rN was defined. */
struct syz_res {
	bool defined;
	unsigned int call;		/* the call that returns it */
	const struct syz_type *type;
};

struct syz_prog {
	struct syz_call *calls;
	unsigned int ncalls;
	struct syz_res res[SYZ_MAX_RES];
	uint64_t auto_next;		/* next data-area offset for &AUTO */
	struct syz_mem *mem;		/* every node's memory, freed at once */
	size_t mem_bytes;		/* its size, capped */
	char **warnings;		/* "LINE:COL: ..." (the caller adds the file) */
	unsigned int nwarnings;
};

/* Errors and warnings name positions as "LINE:COL: expected X, found Y". */
struct syz_prog *syz_prog_new(void);
void syz_prog_free(struct syz_prog *p);
/*
 * Parse one line of program text @s (@len bytes, no newline), file line
 * @line, into @p: a call, a comment or blank. 0, or -EINVAL with
 * "LINE:COL: expected ..., found ..." in @err.
 */
int syz_parse_line(struct syz_prog *p, const char *s, size_t len, unsigned int line,
		   int pin_cpu, char *err, size_t errlen);
/*
 * The bytes a pointee takes in memory, little endian, resources as their
 * written default (an executor patches the resource's value in at
 * @a->offset of each SYZ_A_RES element): @a->size bytes into @buf.
 */
void syz_render(const struct syz_arg *a, uint8_t *buf, size_t len);

#endif /* HVSIM_TOOLS_SYZ_H */
