// Web shells: request input reaching code execution, and well-known shells.

rule vigil_php_webshell_exec_request
{
    meta:
        description = "PHP code passing request input to an execution function"
        category = "webshell"
        severity = "critical"
    strings:
        $php = "<?" ascii
        $x1 = /(eval|assert|system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(\s*(\$_(GET|POST|REQUEST|COOKIE|SERVER)|base64_decode\s*\(\s*\$_(GET|POST|REQUEST|COOKIE))/ nocase
        $x2 = /\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)/ nocase
        $x3 = /preg_replace\s*\(\s*['"][^'"]{1,80}\/e['"]\s*,\s*\$_(GET|POST|REQUEST)/ nocase
        $x4 = /create_function\s*\([^)]{0,80}\$_(GET|POST|REQUEST|COOKIE)/ nocase
    condition:
        $php and any of ($x*)
}

rule vigil_php_webshell_obfuscated_eval
{
    meta:
        description = "PHP eval of decoded or decompressed data (packed web shell)"
        category = "webshell"
        severity = "high"
    strings:
        $php = "<?" ascii
        $e1 = /eval\s*\(\s*(gzinflate|gzuncompress|gzdecode|str_rot13|base64_decode)\s*\(\s*(gzinflate|gzuncompress|str_rot13|base64_decode|strrev)?\s*\(?\s*['"][A-Za-z0-9+\/=]{200,}/ nocase
    condition:
        $php and $e1
}

rule vigil_php_known_webshells
{
    meta:
        description = "Markers of well-known PHP web shells (c99, r57, WSO, b374k, FilesMan)"
        category = "webshell"
        severity = "critical"
    strings:
        $php = "<?" ascii
        $k1 = "c99shell" nocase
        $k2 = "r57shell" nocase
        $k3 = "b374k" nocase
        $k4 = "FilesMan" ascii
        $k5 = "WSO " ascii
        $k6 = "Web Shell by oRb" ascii
        $k7 = "uname -a" ascii
        $k8 = "safe_mode" ascii
    condition:
        $php and (any of ($k1, $k2, $k3, $k6) or ($k4 and $k5) or ($k4 and $k7 and $k8))
}

rule vigil_jsp_webshell
{
    meta:
        description = "JSP passing a request parameter to Runtime.exec or ProcessBuilder"
        category = "webshell"
        severity = "critical"
    strings:
        $jsp1 = "<%" ascii
        $jsp2 = "request.getParameter" ascii
        $e1 = "Runtime.getRuntime().exec(" ascii
        $e2 = "new ProcessBuilder(" ascii
        $e3 = /getRuntime\(\)\.exec\(\s*request\.getParameter/ ascii
    condition:
        $jsp1 and (($jsp2 and ($e1 or $e2)) or $e3)
}

rule vigil_aspx_webshell
{
    meta:
        description = "ASPX starting cmd.exe with request input"
        category = "webshell"
        severity = "critical"
    strings:
        $a = "<%@" ascii
        $r = "Request" ascii
        $p = "Process.Start" ascii
        $c = "cmd.exe" nocase
    condition:
        all of them
}
