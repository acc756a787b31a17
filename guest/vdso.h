/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vDSO's getrandom(), found without a C library's help: for the guest
 * programs, which are static.
 */
#ifndef GUEST_VDSO_H
#define GUEST_VDSO_H

#include <elf.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/types.h>

typedef ssize_t (*vgetrandom_fn)(void *buf, size_t len, unsigned int flags,
				 void *state, size_t state_len);

struct vgetrandom_opaque_params {
	unsigned int size_of_opaque_state, mmap_prot, mmap_flags, reserved[13];
};

/* Looks NAME up in the vDSO's dynamic symbol table. */
static inline void *vdso_sym(const char *name)
{
	Elf64_Ehdr *eh = (void *)getauxval(AT_SYSINFO_EHDR);
	Elf64_Phdr *ph = (void *)((char *)eh + eh->e_phoff);
	Elf64_Addr load = 0;
	Elf64_Dyn *dyn = NULL;
	Elf64_Sym *sym = NULL;
	Elf32_Word *hash = NULL;
	const char *str = NULL;
	unsigned int i;

	for (i = 0; eh && i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !load)
			load = (Elf64_Addr)eh + ph[i].p_offset - ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (void *)((char *)eh + ph[i].p_offset);
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (void *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			str = (void *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (void *)(load + dyn->d_un.d_ptr);
	}
	for (i = 0; sym && str && hash && i < hash[1]; i++)
		if (sym[i].st_shndx != SHN_UNDEF && !strcmp(str + sym[i].st_name, name))
			return (void *)(load + sym[i].st_value);
	return NULL;
}

#endif /* GUEST_VDSO_H */
