// Common Linux backdoors: reverse shells, bind shells, preload rootkits.

rule vigil_reverse_shell_script
{
    meta:
        description = "Reverse shell: interactive shell redirected to a network socket"
        category = "backdoor"
        severity = "critical"
    strings:
        $b1 = /(bash|sh)\s+-i\s*[>&]+\s*\/dev\/(tcp|udp)\/[0-9a-zA-Z.\-]+\/\d{1,5}/ ascii
        $b2 = /\/dev\/tcp\/[0-9.]{7,15}\/\d{1,5}\s+0>&1/ ascii
        $n1 = /\bn(c|cat)\b[^\n]{0,40}\s-e\s+\/bin\/(ba)?sh/ ascii
        $s1 = /socat\s[^\n]{0,60}exec:['"]?(\/bin\/)?(ba)?sh/ nocase
        $p1 = "socket.socket(socket.AF_INET" ascii
        $p2 = "os.dup2(" ascii
        $p3 = "pty.spawn(" ascii
        $p4 = "subprocess.call([\"/bin/sh\",\"-i\"])" ascii
        $m1 = "mkfifo" ascii
        $m2 = /\|\s*\/bin\/(ba)?sh\s+-i\s+2>&1\s*\|\s*n(c|cat)\s/ ascii
    condition:
        any of ($b*) or $n1 or $s1 or ($p1 and $p2 and ($p3 or $p4)) or ($m1 and $m2)
}

rule vigil_preload_rootkit
{
    meta:
        description = "Userland rootkit hiding processes or files through ld.so.preload"
        category = "backdoor"
        severity = "critical"
    strings:
        $a = "/etc/ld.so.preload" ascii
        $h1 = "readdir" ascii
        $h2 = "readdir64" ascii
        $k1 = "libprocesshider" ascii
        $k2 = "Diamorphine" ascii
        $k3 = "reptile" ascii fullword
        $k4 = "hide_pid" ascii
        $k5 = "Jynx" ascii
        $k6 = "azazel" ascii nocase
    condition:
        any of ($k*) or ($a and $h1 and $h2 and filesize < 2MB)
}

rule vigil_ssh_backdoor_key_injection
{
    meta:
        description = "Script appending an SSH key to root's authorized_keys"
        category = "backdoor"
        severity = "high"
    strings:
        $k = /echo\s+['"]?ssh-(rsa|ed25519|dss)\s+AAAA[0-9A-Za-z+\/]{40,}[^\n]{0,200}>>\s*\/root\/\.ssh\/authorized_keys/ ascii
    condition:
        $k
}
