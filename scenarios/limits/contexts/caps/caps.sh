#!/bin/sh
# Print the names of the capabilities in this process's set (default CapEff),
# decoded from /proc/self/status: busybox has no capsh. Bit order, one line.
# Names by bit number, from include/uapi/linux/capability.h.
field=${1:-CapEff}
hex=$(sed -n "s/^$field:[[:space:]]*//p" /proc/$$/status)
mask=$((0x$hex))
bit=0
out=""
for name in CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID \
    SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK \
    IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT \
    SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL \
    SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF \
    CHECKPOINT_RESTORE; do
  if [ $(((mask >> bit) & 1)) = 1 ]; then out="$out $name"; fi
  bit=$((bit + 1))
done
echo "$field:${out:- none}"
