using System.Text.RegularExpressions;

namespace Infra.Lab.Containers;

/// <summary>
/// The way in to the lab's hosts: a `deploy` user with NOPASSWD sudo and the docker group, a key pair made
/// for the lab, held by an ssh-agent the lab starts. All namespaces share one /etc, so one user serves every
/// host and every lab running at once: each lab adds its own sudoers file (named for the lab, which is also how
/// other labs see it running) and its own line in authorized_keys; the user and the /etc/microblog mount point
/// are created only when missing, and removed by the last lab out only if a lab created them.
/// </summary>
public sealed partial class DeployAccess
{
    public const string User = "deploy";

    /// <summary>The GECOS field of a user the lab created: how a later run knows it may remove it.</summary>
    public const string CreatedComment = "microblog lab deploy user";

    public const string ConfigRoot = "/etc/microblog";

    /// <summary>Left in the root namespace's /etc/microblog when the lab made it; the hosts see their own folder over it.</summary>
    private const string CreatedMarker = ConfigRoot + "/.created-by-microblog-lab";

    private static readonly string LockPath = Path.Combine(BaseRootfs.CacheDir, "deploy.lock");
    private readonly string _labName;
    private bool _addedToDockerGroup;
    private bool _removed;

    private DeployAccess(string labName, string dir)
    {
        _labName = labName;
        Dir = dir;
    }

    /// <summary>Keys, agent socket, ssh_config and the `ssh` wrapper the docker CLI finds on its PATH.</summary>
    public string Dir { get; }

    public string SudoersFile => "/etc/sudoers.d/" + _labName;

    public string KeyFile => Path.Combine(Dir, "id_ed25519");

    public string AgentSocket => Path.Combine(Dir, "agent.sock");

    public string SshConfig => Path.Combine(Dir, "ssh_config");

    public string BinDir => Path.Combine(Dir, "bin");

    /// <summary>The master connections' sockets, one per host (%C: 40 hex digits of a hash of user, host and port).</summary>
    private string ControlPath => Path.Combine(Dir, "cm-%C");

    /// <summary>
    /// Whether the sockets' names fit sun_path (107 bytes and a terminator), with the 17-character suffix ssh gives a
    /// socket while it makes it; a lab in a deeper folder connects anew for each step instead.
    /// </summary>
    private bool CanMultiplex => Path.Combine(Dir, "cm-" + new string('0', 40)).Length + 17 <= 107;

    /// <summary>Closes the master connection to <paramref name="address"/>, if one is open, so no session of it outlives the lab's sshd.</summary>
    public void CloseMaster(LabHost from, string address) =>
        Shell.Run("nsenter", new[] { "--net=" + from.NsPath, "--", "/usr/bin/ssh", "-F", SshConfig, "-O", "exit" }.Concat(SshOptions).Append($"{User}@{address}"));

    /// <summary>Options every ssh of the lab uses: lab hosts get new host keys each run and nothing may prompt.</summary>
    public static readonly IReadOnlyList<string> SshOptions =
        ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"];

    /// <summary>The lab's access, not yet prepared: <see cref="Remove"/> also cleans up after a <see cref="Prepare"/> that failed halfway.</summary>
    public static DeployAccess For(NetnsLab lab) => new(lab.Prefix.TrimEnd('-'), Path.Combine(lab.RunDir, "ssh"));

    /// <summary>Key pair, ssh config, sudoers file, user (when missing), authorized key, the /etc/microblog mount point, the agent.</summary>
    public void Prepare(NetnsLab lab)
    {
        Directory.CreateDirectory(BinDir);
        Shell.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", _labName, "-f", KeyFile);
        // Measured on these two cores: a new connection costs 0.3 s with OpenSSH 9's default key exchange
        // (sntrup761x25519), 0.2 s with curve25519, 0.02 s over an open master connection; a deploy is a few
        // hundred of them. So the lab's steps share one connection per host (the first step opens it; each step is
        // still its own session, login shell and sudo, and teardown closes it), and curve25519 is the key
        // exchange, which every SSH client a user may deploy with speaks.
        var multiplex = CanMultiplex
            ? $"""
                ControlMaster auto
                ControlPath {ControlPath}
                ControlPersist 60
            """
            : "";
        File.WriteAllText(SshConfig, $"""
            Host *
                IdentityAgent {AgentSocket}
                KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org
            {multiplex}
                StrictHostKeyChecking no
                UserKnownHostsFile /dev/null
                GlobalKnownHostsFile /dev/null
                BatchMode yes
                LogLevel ERROR
                ConnectTimeout 5

            """);
        // The docker CLI runs plain `ssh` (no way to pass options): this one reads the lab's config.
        var wrapper = Path.Combine(BinDir, "ssh");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec /usr/bin/ssh -F {SshConfig} \"$@\"\n");
        File.SetUnixFileMode(wrapper, (UnixFileMode)0x1ed);

        using (FileLock.Acquire(LockPath, TimeSpan.FromSeconds(30)))
        {
            File.WriteAllText(SudoersFile, $"# {lab.RunDir}: removed when the lab is torn down\n{User} ALL=(ALL:ALL) NOPASSWD: ALL\n");
            File.SetUnixFileMode(SudoersFile, UnixFileMode.UserRead | UnixFileMode.GroupRead);
            Shell.Check("visudo", "-c", "-q", "-f", SudoersFile);
            if (Shell.Run("getent", "group", "docker").ExitCode != 0)
            {
                throw new InvalidOperationException("no `docker` group: install docker.io (scripts/install-deps)");
            }

            if (Home() is null)
            {
                Shell.Check("useradd", "--create-home", "--shell", "/bin/bash", "--comment", CreatedComment, "--groups", "docker", User);
            }
            else if (!Shell.Check("id", "-nG", User).Stdout.Split(' ', StringSplitOptions.TrimEntries).Contains("docker"))
            {
                Shell.Check("gpasswd", "-a", User, "docker");
                _addedToDockerGroup = true;
            }

            var ssh = Path.Combine(Home()!, ".ssh");
            Directory.CreateDirectory(ssh);
            File.AppendAllText(Path.Combine(ssh, "authorized_keys"), File.ReadAllText(KeyFile + ".pub"));
            Shell.Check("chown", "-R", $"{User}:", ssh);
            Shell.Check("chmod", "700", ssh);
            Shell.Check("chmod", "600", Path.Combine(ssh, "authorized_keys"));
            if (!Directory.Exists(ConfigRoot))
            {
                Directory.CreateDirectory(ConfigRoot);
                File.WriteAllText(CreatedMarker, "made by the live tests' container lab as a mount point; removed by the last lab out\n");
            }
        }

        lab.Start(lab.Outside, "ssh-agent", "ssh-agent", ["-D", "-a", AgentSocket]);
        Bounded.Until("ssh-agent's socket", TimeSpan.FromSeconds(5), () => File.Exists(AgentSocket), pollMs: 10).GetAwaiter().GetResult();
        Shell.Check("env", ["SSH_AUTH_SOCK=" + AgentSocket, "ssh-add", "-q", KeyFile], null);
    }

    /// <summary>
    /// `ssh deploy@host script` from the outside namespace, through the agent; stdin is the script's. The
    /// remote login shell runs the script.
    /// </summary>
    public ShellResult Ssh(LabHost from, string address, string script, string? stdin = null, TimeSpan? timeout = null) =>
        Shell.Run("nsenter", new[] { "--net=" + from.NsPath, "--", "env", "SSH_AUTH_SOCK=" + AgentSocket, "/usr/bin/ssh", "-F", SshConfig }
            .Concat(SshOptions).Concat([$"{User}@{address}", script]), stdin ?? "", timeout);

    /// <summary>The docker CLI in the outside namespace with DOCKER_HOST=ssh://deploy@address: it runs `ssh ... docker system dial-stdio`.</summary>
    public ShellResult Docker(LabHost from, string address, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null) =>
        Shell.Run("nsenter", DockerCommand(from, address).Concat(args), stdin, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>The arguments of `nsenter` that run the docker CLI in <paramref name="from"/> against deploy@<paramref name="address"/>.</summary>
    public IEnumerable<string> DockerCommand(LabHost from, string address) =>
    [
        "--net=" + from.NsPath, "--", "env", "SSH_AUTH_SOCK=" + AgentSocket, $"PATH={BinDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "DOCKER_BUILDKIT=0", $"DOCKER_HOST=ssh://{User}@{address}", LabDocker.Program,
    ];

    /// <summary>After every process of the lab is gone (userdel refuses a user with processes).</summary>
    public void Remove(Action<string> note)
    {
        if (_removed)
        {
            return;
        }

        _removed = true;
        using var _ = FileLock.Acquire(LockPath, TimeSpan.FromSeconds(30));
        File.Delete(SudoersFile);
        RemoveKeyLines(comment => comment == _labName);
        if (_addedToDockerGroup && Home() is not null)
        {
            Shell.Run("gpasswd", "-d", User, "docker");
        }

        RemoveCreatedWhenNoLabRuns(note);
    }

    /// <summary>What of this lab's access is still there: its sudoers file, its key; the user and mount point when no lab runs.</summary>
    public IReadOnlyList<string> Leaks()
    {
        var leaks = new List<string>();
        if (File.Exists(SudoersFile))
        {
            leaks.Add("sudoers file " + SudoersFile);
        }

        if (KeyLines().Any(l => CommentOf(l) == _labName))
        {
            leaks.Add($"key {_labName} in {User}'s authorized_keys");
        }

        if (LiveLabs().Count == 0 && CreatedUserExists())
        {
            leaks.Add($"user {User} (created by the lab)");
        }

        if (LiveLabs().Count == 0 && File.Exists(CreatedMarker))
        {
            leaks.Add($"{ConfigRoot} (created by the lab)");
        }

        return leaks;
    }

    /// <summary>What crashed labs left: their sudoers files and keys; the user and mount point if no lab runs now.</summary>
    public static void RemoveStale(Action<string> note)
    {
        using var _ = FileLock.Acquire(LockPath, TimeSpan.FromSeconds(30));
        foreach (var file in Directory.Exists("/etc/sudoers.d") ? Directory.GetFiles("/etc/sudoers.d") : [])
        {
            if (DeadLab(Path.GetFileName(file)))
            {
                File.Delete(file);
                note($"removed {file} of a finished test run");
            }
        }

        RemoveKeyLines(DeadLab);
        RemoveCreatedWhenNoLabRuns(note);
    }

    private static void RemoveCreatedWhenNoLabRuns(Action<string> note)
    {
        if (LiveLabs().Count > 0)
        {
            return;
        }

        if (CreatedUserExists())
        {
            var result = Shell.Run("userdel", "--remove", User);
            note(result.Ok ? $"removed user {User} and its home" : $"userdel {User}: {result.Stderr.Trim()}");
        }

        if (File.Exists(CreatedMarker) && Directory.GetFileSystemEntries(ConfigRoot).Length == 1)
        {
            File.Delete(CreatedMarker);
            Directory.Delete(ConfigRoot);
        }
    }

    /// <summary>Labs whose sudoers file is there and whose test process still runs, and `infra lab`'s while its file is there.</summary>
    private static List<string> LiveLabs() =>
        (Directory.Exists("/etc/sudoers.d") ? Directory.GetFiles("/etc/sudoers.d") : [])
            .Select(Path.GetFileName)
            .Where(name => name == KeptLabName || LabName().Match(name!) is { Success: true } m && Directory.Exists("/proc/" + m.Groups[1].Value))
            .ToList()!;

    /// <summary>The name of the one lab kept running between commands (`infra lab`): its files carry no process id.</summary>
    public const string KeptLabName = "mblab";

    /// <summary>`infra lab down`, with no object of the lab left: its sudoers file, its key; the user and mount point if it made them and no lab runs.</summary>
    public static void RemoveKept(Action<string> note)
    {
        using var _ = FileLock.Acquire(LockPath, TimeSpan.FromSeconds(30));
        var sudoers = "/etc/sudoers.d/" + KeptLabName;
        if (File.Exists(sudoers))
        {
            File.Delete(sudoers);
            note($"removed {sudoers}");
        }

        RemoveKeyLines(comment => comment == KeptLabName);
        RemoveCreatedWhenNoLabRuns(note);
    }

    /// <summary>What `infra lab down` could not remove of the access: its sudoers file or key (the user stays while a test lab runs).</summary>
    public static IReadOnlyList<string> KeptLeaks() =>
        [
            .. File.Exists("/etc/sudoers.d/" + KeptLabName) ? ["sudoers file /etc/sudoers.d/" + KeptLabName] : Array.Empty<string>(),
            .. KeyLines().Any(l => CommentOf(l) == KeptLabName) ? [$"key {KeptLabName} in {User}'s authorized_keys"] : Array.Empty<string>(),
        ];

    private static bool DeadLab(string? name) => name is not null && LabName().Match(name) is { Success: true } m && !Directory.Exists("/proc/" + m.Groups[1].Value);

    private static string? Home()
    {
        var entry = Shell.Run("getent", "passwd", User);
        return entry.Ok ? entry.Stdout.Trim().Split(':')[5] : null;
    }

    private static bool CreatedUserExists()
    {
        var entry = Shell.Run("getent", "passwd", User);
        return entry.Ok && entry.Stdout.Trim().Split(':')[4] == CreatedComment;
    }

    private static string AuthorizedKeys => Path.Combine(Home() ?? "/nonexistent", ".ssh", "authorized_keys");

    private static IReadOnlyList<string> KeyLines() => File.Exists(AuthorizedKeys) ? File.ReadAllLines(AuthorizedKeys) : [];

    private static string? CommentOf(string keyLine) => keyLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(2);

    private static void RemoveKeyLines(Func<string?, bool> byComment)
    {
        var lines = KeyLines();
        var kept = lines.Where(l => !byComment(CommentOf(l))).ToList();
        if (kept.Count != lines.Count)
        {
            // In place, so the file keeps its owner and mode.
            File.WriteAllText(AuthorizedKeys, string.Concat(kept.Select(l => l + "\n")));
        }
    }

    [GeneratedRegex(@"^" + NetnsLab.NamePrefix + @"(\d+)-\d+$")]
    private static partial Regex LabName();
}
