// The EICAR anti-malware test file (https://www.eicar.org/download-anti-malware-testfile/).
// The string is split so that this rule file is not itself the test file.
rule vigil_eicar_test_file
{
    meta:
        description = "EICAR anti-malware test file"
        category = "test"
        severity = "low"
    strings:
        $head = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
        $tail = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        $head at 0 and $tail and filesize < 256
}
