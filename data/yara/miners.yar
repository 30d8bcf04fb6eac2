// Cryptocurrency miners: binaries and configurations.

rule vigil_miner_stratum
{
    meta:
        description = "Mining pool connection (stratum protocol) with miner options"
        category = "miner"
        severity = "high"
    strings:
        $s1 = "stratum+tcp://" ascii nocase
        $s2 = "stratum+ssl://" ascii nocase
        $s3 = "stratum2+tcp://" ascii nocase
        $o1 = "--donate-level" ascii
        $o2 = "\"donate-level\"" ascii
        $o3 = "cryptonight" ascii nocase
        $o4 = "randomx" ascii nocase
        $o5 = "\"pools\"" ascii
        $o6 = "--coin" ascii
        $o7 = "-o pool" ascii
    condition:
        any of ($s*) and any of ($o*)
}

rule vigil_miner_xmrig
{
    meta:
        description = "XMRig miner binary or configuration"
        category = "miner"
        severity = "high"
    strings:
        $a = "xmrig" ascii nocase
        $b = "XMRig/" ascii
        $c = "\"algo\":" ascii
        $d = "\"pools\":" ascii
        $e = "xmr-stak" ascii nocase
    condition:
        ($b) or ($a and $c and $d) or $e
}
