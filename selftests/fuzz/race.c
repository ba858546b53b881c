// SPDX-License-Identifier: GPL-2.0
/*
 * Races: a 64-bit guest writes every page of a 2 MiB slot in a loop,
 * while a second thread deletes and re-creates that slot, moves it to
 * other memory, and madvise()s, mprotect()s, munmap()s and maps again the
 * memory behind it, and sets and deletes another slot; sometimes the VM
 * fd is closed halfway.
 * Every KVM_RUN must still end in a documented way (fuzz_run()). Then
 * fork(): in the child every VM and vCPU ioctl on the inherited fds must
 * fail with -EIO, as in KVM.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"
#include "vtx_test.h"

#define RACE_GPA	0x400000UL
#define RACE_SIZE	0x200000UL
#define RACE_SLOT	1
#define SPARE_GPA	0x800000UL
#define SPARE_SLOT	2
#define RACE_PORT	0x50

/*
 * guest_race (64-bit): for ever, add 1 to the first qword of each page
 * of [RACE_GPA, RACE_GPA + RACE_SIZE), then OUT to RACE_PORT.
 */
VTX_GUEST_CODE(guest_race);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_race_start:\n"
	"1:	mov $0x400000, %rbx\n"
	"	mov $512, %ecx\n"
	"2:	incq (%rbx)\n"
	"	add $0x1000, %rbx\n"
	"	dec %ecx\n"
	"	jnz 2b\n"
	"	out %al, $0x50\n"
	"	jmp 1b\n"
	"guest_race_end:\n"
	".popsection\n");

struct fuzz_racer {
	struct fuzz_stats *st;
	int vm_fd;
	__u64 seed;
	void *mem[2];		/* the two mappings slot RACE_SLOT moves between */
	void *spare;
	int stop;		/* __atomic */
};

static void fuzz_race_slot(struct fuzz_racer *rc, __u32 slot, __u64 gpa,
			   __u64 size, void *hva)
{
	struct kvm_userspace_memory_region m = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (unsigned long)hva,
	};

	fuzz_ioctl(rc->st, rc->vm_fd, KVM_SET_USER_MEMORY_REGION, &m);
}

/* One change to slot RACE_SLOT or the memory behind it. */
static void fuzz_race_step(struct fuzz_rng *r, struct fuzz_racer *rc)
{
	void *m = rc->mem[fuzz_below(r, 2)];
	static const int prots[] = { PROT_NONE, PROT_READ,
				     PROT_READ | PROT_WRITE };

	switch (fuzz_below(r, 7)) {
	case 0:
		fuzz_race_slot(rc, RACE_SLOT, RACE_GPA, 0, NULL);
		fuzz_race_slot(rc, RACE_SLOT, RACE_GPA, RACE_SIZE, m);
		break;
	case 1:
		madvise(m, RACE_SIZE, fuzz_chance(r, 50) ? MADV_DONTNEED :
							    MADV_HUGEPAGE);
		break;
	case 2:
		/* for a moment: the guest should mostly run */
		mprotect(m, RACE_SIZE, prots[fuzz_below(r, 3)]);
		usleep(fuzz_below(r, 500));
		mprotect(m, RACE_SIZE, PROT_READ | PROT_WRITE);
		break;
	case 3:
		/* unmap, then map again at the same address */
		munmap(m, RACE_SIZE);
		mmap(m, RACE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		break;
	case 4:
		fuzz_race_slot(rc, SPARE_SLOT, SPARE_GPA, RACE_SIZE,
			       rc->spare);
		fuzz_race_slot(rc, SPARE_SLOT, SPARE_GPA, 0, NULL);
		break;
	case 5:
		madvise((char *)m + fuzz_below(r, 512) * 4096, 4096,
			MADV_DONTNEED);
		break;
	default:
		mprotect(m, RACE_SIZE, PROT_READ | PROT_WRITE);
	}
	__atomic_add_fetch(&rc->st->races, 1, __ATOMIC_RELAXED);
}

static void *fuzz_racer_main(void *arg)
{
	struct fuzz_racer *rc = arg;
	struct fuzz_rng r;
	sigset_t set;

	/* The KVM_RUN timer's SIGALRM is for the vCPU thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	fuzz_seed(&r, rc->seed);
	while (!__atomic_load_n(&rc->stop, __ATOMIC_RELAXED)) {
		fuzz_race_step(&r, rc);
		usleep(fuzz_below(&r, 3000));
	}
	return NULL;
}

/* In a child process every VM and vCPU ioctl is -EIO. */
static void fuzz_race_fork(struct fuzz_stats *st, struct vtx_vm *vm,
			   struct vtx_vcpu *vcpu)
{
	struct kvm_regs regs;
	int status = 0;
	pid_t pid;

	st->forks++;
	pid = fork();
	if (pid < 0) {
		fuzz_fail(st, "fork", "fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		int bad = 0;

		bad |= ioctl(vcpu->fd, KVM_RUN, NULL) != -1 || errno != EIO;
		bad |= ioctl(vcpu->fd, KVM_GET_REGS, &regs) != -1 ||
		       errno != EIO;
		if (vm->fd >= 0) {
			bad |= ioctl(vm->fd, KVM_CREATE_VCPU, 5) != -1 ||
			       errno != EIO;
			bad |= __vtx_set_memory_region(vm->fd, SPARE_SLOT, 0,
						       SPARE_GPA, 0, 0) != -EIO;
			close(vm->fd);
		}
		close(vcpu->fd);
		_exit(bad);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fuzz_fail(st, "fork", "a VM or vCPU ioctl in the child was not -EIO (status 0x%x)",
			  status);
}

static int fuzz_race_setup(struct fuzz_racer *rc, struct vtx_vm *vm,
			   struct vtx_vcpu *vcpu)
{
	int i, r;

	r = __vtx_vm_create(vm, "/dev/vtx");
	if (r)
		return r;
	r = __vtx_vm_add_memory(vm, 0, 0, VTX_MEM_SIZE);
	if (r)
		return r;
	for (i = 0; i < 2; i++) {
		rc->mem[i] = mmap(NULL, RACE_SIZE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (rc->mem[i] == MAP_FAILED)
			return -ENOMEM;
	}
	rc->spare = mmap(NULL, RACE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rc->spare == MAP_FAILED)
		return -ENOMEM;
	rc->vm_fd = vm->fd;
	fuzz_race_slot(rc, RACE_SLOT, RACE_GPA, RACE_SIZE, rc->mem[0]);
	r = __vtx_vm_load(vm, VTX_CODE_GPA, guest_race_start, guest_race_end);
	if (r)
		return r;
	r = __vtx_vcpu_create(vm, 0, vcpu);
	if (r)
		return r;
	return __vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
}

/**
 * fuzz_race() - KVM_RUN against slot and mapping changes, then fork()
 * @r: the generator
 * @st: the counts
 * @runs: how many KVM_RUN calls to make
 */
void fuzz_race(struct fuzz_rng *r, struct fuzz_stats *st, unsigned long runs)
{
	struct fuzz_racer rc = { .st = st, .seed = fuzz_u64(r) };
	struct vtx_vcpu vcpu = { .fd = -1 };
	struct vtx_vm vm;
	pthread_t thread;
	unsigned long i;
	int err, i2;

	err = fuzz_race_setup(&rc, &vm, &vcpu);
	if (err) {
		fuzz_fail(st, "race", "setup: %s", strerror(-err));
		goto out;
	}
	fuzz_timer_init();
	err = pthread_create(&thread, NULL, fuzz_racer_main, &rc);
	if (err) {
		fuzz_fail(st, "race", "pthread_create: %s", strerror(err));
		goto out;
	}
	for (i = 0; i < runs; i++) {
		/* The vCPU keeps the VM alive when its fd goes midway. */
		if (i == runs / 2 && fuzz_chance(r, 30)) {
			close(vm.fd);
			vm.fd = -1;
		}
		fuzz_timer(10 + fuzz_below(r, 30));
		fuzz_run(st, vcpu.fd, vcpu.run, "race KVM_RUN");
		fuzz_timer(0);
	}
	__atomic_store_n(&rc.stop, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	fuzz_race_fork(st, &vm, &vcpu);
out:
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	for (i2 = 0; i2 < 2; i2++)
		if (rc.mem[i2] && rc.mem[i2] != MAP_FAILED)
			munmap(rc.mem[i2], RACE_SIZE);
	if (rc.spare && rc.spare != MAP_FAILED)
		munmap(rc.spare, RACE_SIZE);
}
