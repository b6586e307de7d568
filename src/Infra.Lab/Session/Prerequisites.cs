namespace Infra.Lab.Session;

/// <summary>What the machine must have for the lab: root, and the programs of the tier, each from its Debian package.</summary>
public sealed record Prerequisites(Func<bool> IsRoot, Func<string, bool> HasProgram)
{
    public static Prerequisites OfThisMachine { get; } = new(() => Native.geteuid() == 0, Shell.Exists);

    private static readonly (string Program, string Package)[] Always =
        [("ip", "iproute2"), ("nsenter", "util-linux"), ("setsid", "util-linux"), ("unshare", "util-linux"), ("nft", "nftables"), ("sysctl", "procps")];

    private static readonly (string Program, string Package)[] Containers =
        [("dockerd", "docker.io"), ("docker", "docker.io"), ("sshd", "openssh-server"), ("ssh", "openssh-client"), ("ssh-agent", "openssh-client"),
         ("ssh-keygen", "openssh-client"), ("ssh-add", "openssh-client"), ("sudo", "sudo"), ("visudo", "sudo"), ("useradd", "passwd"),
         ("userdel", "passwd"), ("debootstrap", "debootstrap"), ("curl", "curl"), ("tar", "tar")];

    /// <summary>The one line that says what is missing, or null; root first, since nothing else can be checked meaningfully without it.</summary>
    public string? Problem(LabTier tier, IEnumerable<string> servers, string command)
    {
        if (!IsRoot())
        {
            return $"infra lab needs root (it makes network namespaces, loads nftables rules, runs a Docker engine and sshd per host): sudo ./infra {command}";
        }

        var wanted = Always
            .Concat(tier == LabTier.Containers ? Containers : [(Program: "supervisord", Package: "supervisor")])
            .Concat(tier == LabTier.Processes ? servers.Select(s => (Program: s, Package: s)) : []);
        var missing = wanted.Where(w => !HasProgram(w.Program)).Select(w => w.Package).Distinct().ToList();
        if (tier == LabTier.Containers && !HasProgram("dotnet"))
        {
            return "infra lab needs the .NET SDK (`dotnet`) on PATH to publish the stand-in images' programs" +
                (missing.Count > 0 ? $"; and {Install(missing)}" : "");
        }

        return missing.Count == 0 ? null : $"infra lab needs {Install(missing)}";
    }

    private static string Install(IReadOnlyList<string> packages) =>
        $"{string.Join(", ", packages)}: sudo apt-get install -y --no-install-recommends {string.Join(' ', packages)}";
}
