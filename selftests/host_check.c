// SPDX-License-Identifier: GPL-2.0
/*
 * host_check: can this host run vtx? vtx_info --check asks before vtx.ko
 * is loaded, as Ubuntu's kvm-ok does for KVM.
 *
 * The evidence is what user space sees: CPUID, /proc/cpuinfo,
 * /proc/cmdline and sysfs. The kernel's "vmx flags" show only part of what
 * vtx checks at load (src/caps.c, src/controls.c): MSR bitmaps, 4-level
 * write-back EPT, the VMCS layout and the VM-entry and VM-exit controls
 * are not among them, so a host that passes here can still see vtx refuse
 * to load, with the reason in the kernel log ("vtx: refusing to load").
 */
#include <cpuid.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_check.h"
#include "vtx_test.h"

/* clearcpuid= takes a name or X86_FEATURE_VMX's number, word 4 bit 5. */
#define HOST_CHECK_X86_FEATURE_VMX		"133"

#define HOST_CHECK_SECURE_BOOT	"/sys/firmware/efi/efivars/" \
	"SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define HOST_CHECK_LOCKDOWN	"/sys/kernel/security/lockdown"
#define HOST_CHECK_SIG_ENFORCE	"/sys/module/module/parameters/sig_enforce"
#define HOST_CHECK_VULNS	"/sys/devices/system/cpu/vulnerabilities"

enum host_check_tag { HOST_CHECK_OK, HOST_CHECK_NO, HOST_CHECK_WARN,
		      HOST_CHECK_INFO };

static const char *const host_check_tags[] = {
	[HOST_CHECK_OK] = "ok",
	[HOST_CHECK_NO] = "no",
	[HOST_CHECK_WARN] = "warn",
	[HOST_CHECK_INFO] = "info",
};

/* What vtx cannot load without, as /proc/cpuinfo's "vmx flags" name it. */
static const char *const host_check_vmx_required[] = {
	"ept", "unrestricted_guest",
};

/* What vtx uses when the CPU has it. */
static const char *const host_check_vmx_optional[] = {
	"vpid", "preemption_timer", "vnmi", "mtf", "ept_ad", "ept_1gb",
};

/* The CPU bugs whose mitigations reach vtx's guests too. */
static const char *const host_check_vulns[] = {
	"l1tf", "itlb_multihit", "mds", "vmscape",
};

struct host_check {
	int no;
	int warn;
};

static void host_check_say(struct host_check *hc, enum host_check_tag tag,
			   const char *fmt, ...)
{
	va_list ap;

	if (tag == HOST_CHECK_NO)
		hc->no++;
	else if (tag == HOST_CHECK_WARN)
		hc->warn++;
	printf("%s: ", host_check_tags[tag]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Read a small text file, without its trailing newline; 0 or -errno. */
static int host_check_read(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

/* Is @word one of the words of @list? */
static bool host_check_has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (!p[len] || isspace((unsigned char)p[len])))
			return true;
		p += len;
	}
	return false;
}

/* The vendor (CPUID leaf 0) and VMX bit (leaf 1) of the CPU. */
static bool host_check_cpu(struct host_check *hc)
{
	unsigned int eax, ebx, ecx, edx;
	char vendor[13];

	__cpuid(0, eax, ebx, ecx, edx);
	memcpy(vendor, &ebx, 4);
	memcpy(vendor + 4, &edx, 4);
	memcpy(vendor + 8, &ecx, 4);
	vendor[12] = '\0';
	if (strcmp(vendor, "GenuineIntel")) {
		host_check_say(hc, HOST_CHECK_NO,
			       "CPU is %s; vtx needs Intel VT-x", vendor);
		return false;
	}
	if (vtx_host_has_vmx()) {
		host_check_say(hc, HOST_CHECK_OK,
			       "CPU is GenuineIntel with VMX (CPUID.1:ECX.VMX, bit 5, is set)");
		return true;
	}
	/* CPUID.1:ECX[31]: a hypervisor runs this kernel. */
	__cpuid(1, eax, ebx, ecx, edx);
	if (ecx & (1U << 31))
		host_check_say(hc, HOST_CHECK_NO,
			       "CPU is GenuineIntel but CPUID.1:ECX.VMX (bit 5) is 0: this is a virtual machine whose hypervisor does not offer nested VMX");
	else
		host_check_say(hc, HOST_CHECK_NO,
			       "CPU is GenuineIntel but CPUID.1:ECX.VMX (bit 5) is 0: this CPU has no VT-x");
	return false;
}

/*
 * The value of the boot CPU's /proc/cpuinfo line @key, malloc()ed, or NULL
 * when that CPU's block has no such line.
 */
static char *host_check_cpuinfo(FILE *f, const char *key)
{
	char *line = NULL, *colon, *value = NULL;
	size_t cap = 0, n;

	rewind(f);
	while (!value && getline(&line, &cap, f) > 0 && line[0] != '\n') {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		n = colon - line;
		while (n && isspace((unsigned char)line[n - 1]))
			n--;
		if (n == strlen(key) && !strncmp(line, key, n))
			value = strdup(colon + 1);
	}
	free(line);
	return value;
}

/* Does the kernel command line clear VMX (clearcpuid=vmx or =133)? */
static bool host_check_cmdline_clears_vmx(void)
{
	char buf[4096], *word, *item, *save, *save_item;

	if (host_check_read("/proc/cmdline", buf, sizeof(buf)))
		return false;
	for (word = strtok_r(buf, " ", &save); word;
	     word = strtok_r(NULL, " ", &save)) {
		if (strncmp(word, "clearcpuid=", strlen("clearcpuid=")))
			continue;
		for (item = strtok_r(word + strlen("clearcpuid="), ",",
				     &save_item);
		     item; item = strtok_r(NULL, ",", &save_item))
			if (!strcmp(item, "vmx") ||
			    !strcmp(item, HOST_CHECK_X86_FEATURE_VMX))
				return true;
	}
	return false;
}

/* The "vmx" flag: the kernel clears it when VMX cannot be turned on. */
static bool host_check_kernel_vmx(struct host_check *hc, FILE *cpuinfo)
{
	char *flags = host_check_cpuinfo(cpuinfo, "flags");
	bool vmx = flags && host_check_has_word(flags, "vmx");

	free(flags);
	if (vmx)
		host_check_say(hc, HOST_CHECK_OK,
			       "the kernel has VMX (\"vmx\" in /proc/cpuinfo flags)");
	else if (host_check_cmdline_clears_vmx())
		host_check_say(hc, HOST_CHECK_NO,
			       "no \"vmx\" in /proc/cpuinfo flags: the kernel disabled VMX (clearcpuid= on its command line)");
	else
		host_check_say(hc, HOST_CHECK_NO,
			       "no \"vmx\" in /proc/cpuinfo flags although CPUID has VMX: most likely the firmware locked IA32_FEATURE_CONTROL with VMX off (dmesg: \"VMX (outside TXT) disabled by BIOS\"); turn on Intel Virtualization Technology in the firmware setup");
	return vmx;
}

/* The "vmx flags" line (Linux 5.8 and later) shows the VMX features. */
static void host_check_vmx_flags(struct host_check *hc, FILE *cpuinfo)
{
	char *flags = host_check_cpuinfo(cpuinfo, "vmx flags");
	char missing[128] = "", optional[256] = "";
	size_t i;

	if (!flags) {
		host_check_say(hc, HOST_CHECK_WARN,
			       "no \"vmx flags\" line in /proc/cpuinfo (a kernel before 5.8, or without CONFIG_X86_VMX_FEATURE_NAMES): EPT and unrestricted guest not checked here");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(host_check_vmx_required); i++)
		if (!host_check_has_word(flags, host_check_vmx_required[i]))
			snprintf(missing + strlen(missing),
				 sizeof(missing) - strlen(missing), " %s",
				 host_check_vmx_required[i]);
	for (i = 0; i < ARRAY_SIZE(host_check_vmx_optional); i++)
		snprintf(optional + strlen(optional),
			 sizeof(optional) - strlen(optional), "%s %s %s",
			 i ? "," : "", host_check_vmx_optional[i],
			 host_check_has_word(flags, host_check_vmx_optional[i]) ?
			 "yes" : "no");
	free(flags);
	if (missing[0])
		host_check_say(hc, HOST_CHECK_NO,
			       "vmx flags lack%s: vtx requires EPT and unrestricted guest",
			       missing);
	else
		host_check_say(hc, HOST_CHECK_OK,
			       "vmx flags have ept and unrestricted_guest, which vtx requires");
	host_check_say(hc, HOST_CHECK_INFO, "vmx flags vtx uses if present:%s",
		       optional);
	host_check_say(hc, HOST_CHECK_INFO,
		       "not in /proc/cpuinfo, checked when vtx loads: MSR bitmaps, 4-level write-back EPT, the VMCS layout, the VM-exit and VM-entry controls (64-bit host, debug controls, IA-32e mode guest)");
}

static void host_check_cpuinfo_vmx(struct host_check *hc)
{
	FILE *cpuinfo = fopen("/proc/cpuinfo", "r");

	if (!cpuinfo) {
		host_check_say(hc, HOST_CHECK_WARN,
			       "cannot read /proc/cpuinfo: %s", strerror(errno));
		return;
	}
	if (host_check_kernel_vmx(hc, cpuinfo))
		host_check_vmx_flags(hc, cpuinfo);
	fclose(cpuinfo);
}

/* vtx refuses to load beside kvm_intel (src/cpu.c, vtx_cpu_check_owner()). */
static void host_check_kvm_intel(struct host_check *hc)
{
	char refcnt[32];

	if (access("/sys/module/kvm_intel", F_OK)) {
		host_check_say(hc, HOST_CHECK_OK, "kvm_intel is not loaded");
		return;
	}
	if (access("/sys/module/kvm_intel/initstate", F_OK)) {
		host_check_say(hc, HOST_CHECK_NO,
			       "kvm_intel is built into this kernel, and vtx refuses to load beside it");
		return;
	}
	if (host_check_read("/sys/module/kvm_intel/refcnt", refcnt,
			    sizeof(refcnt)))
		strcpy(refcnt, "?");
	host_check_say(hc, HOST_CHECK_WARN,
		       "kvm_intel is loaded (%s users): it holds the kernel's emergency VMCLEAR hook, so vtx refuses to load beside it; stop its VMs, then: modprobe -r kvm_intel kvm",
		       refcnt);
}

/* The EFI variable: 4 bytes of attributes, then 1 byte, 1 when on. */
static void host_check_secure_boot(struct host_check *hc)
{
	unsigned char var[5];
	size_t n;
	FILE *f;

	if (access("/sys/firmware/efi", F_OK)) {
		host_check_say(hc, HOST_CHECK_OK,
			       "legacy BIOS boot (no /sys/firmware/efi): no Secure Boot");
		return;
	}
	f = fopen(HOST_CHECK_SECURE_BOOT, "r");
	if (!f) {
		host_check_say(hc, HOST_CHECK_INFO,
			       "Secure Boot state unknown: %s: %s",
			       HOST_CHECK_SECURE_BOOT, strerror(errno));
		return;
	}
	n = fread(var, 1, sizeof(var), f);
	fclose(f);
	if (n != sizeof(var))
		host_check_say(hc, HOST_CHECK_INFO,
			       "Secure Boot state unknown: %s has %zu bytes, not 5",
			       HOST_CHECK_SECURE_BOOT, n);
	else if (var[4] == 1)
		host_check_say(hc, HOST_CHECK_WARN,
			       "Secure Boot is on: only signed modules load, so vtx.ko must be signed with an enrolled Machine Owner Key (DKMS signs with /var/lib/dkms/mok.key; enroll it with mokutil --import /var/lib/dkms/mok.pub and a reboot)");
	else
		host_check_say(hc, HOST_CHECK_OK,
			       "Secure Boot is off (EFI SecureBoot = %u)", var[4]);
}

/* Lockdown ("[integrity]" or "[confidentiality]") refuses unsigned modules. */
static void host_check_lockdown(struct host_check *hc)
{
	char buf[128], *mode, *end;
	int r;

	r = host_check_read(HOST_CHECK_LOCKDOWN, buf, sizeof(buf));
	if (r) {
		host_check_say(hc, HOST_CHECK_INFO,
			       "kernel lockdown unknown: %s: %s (securityfs not mounted, or no lockdown LSM)",
			       HOST_CHECK_LOCKDOWN, strerror(-r));
		return;
	}
	mode = strchr(buf, '[');
	end = mode ? strchr(mode, ']') : NULL;
	if (!end) {
		host_check_say(hc, HOST_CHECK_INFO,
			       "kernel lockdown unknown: no [mode] in \"%s\"",
			       buf);
		return;
	}
	*end = '\0';
	mode++;
	if (!strcmp(mode, "none"))
		host_check_say(hc, HOST_CHECK_OK, "kernel lockdown is none");
	else
		host_check_say(hc, HOST_CHECK_WARN,
			       "kernel lockdown is %s: unsigned modules will not load, so vtx.ko must be signed",
			       mode);
}

static void host_check_sig_enforce(struct host_check *hc)
{
	char buf[8];

	if (!host_check_read(HOST_CHECK_SIG_ENFORCE, buf, sizeof(buf)) &&
	    buf[0] == 'Y')
		host_check_say(hc, HOST_CHECK_WARN,
			       "module.sig_enforce is on: unsigned modules will not load, so vtx.ko must be signed");
}

static void host_check_vulnerabilities(struct host_check *hc)
{
	char path[128], buf[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(host_check_vulns); i++) {
		snprintf(path, sizeof(path), "%s/%s", HOST_CHECK_VULNS,
			 host_check_vulns[i]);
		if (host_check_read(path, buf, sizeof(buf)))
			strcpy(buf, "not reported by this kernel");
		host_check_say(hc, HOST_CHECK_INFO, "%s: %s",
			       host_check_vulns[i], buf);
	}
}

int host_check_run(void)
{
	struct host_check hc = {};

	if (host_check_cpu(&hc))
		host_check_cpuinfo_vmx(&hc);
	host_check_kvm_intel(&hc);
	host_check_secure_boot(&hc);
	host_check_lockdown(&hc);
	host_check_sig_enforce(&hc);
	host_check_vulnerabilities(&hc);
	if (access(VTX_DEV_PATH, F_OK))
		host_check_say(&hc, HOST_CHECK_INFO,
			       "vtx is not loaded (no %s)", VTX_DEV_PATH);
	else
		host_check_say(&hc, HOST_CHECK_INFO,
			       "vtx is loaded: %s's capability report follows",
			       VTX_DEV_PATH);
	if (hc.no)
		printf("verdict: vtx cannot run on this host (%d check%s said no)\n",
		       hc.no, hc.no == 1 ? "" : "s");
	else if (hc.warn)
		printf("verdict: this host can run vtx; mind the %d warning%s\n",
		       hc.warn, hc.warn == 1 ? "" : "s");
	else
		printf("verdict: this host can run vtx\n");
	fflush(stdout);
	return hc.no;
}
