using System.Diagnostics;

namespace Infra.Lab.Containers;

/// <summary>
/// A <see cref="NetnsLab"/> whose hosts are container hosts as operators prepare them: each in a mount
/// namespace of its own (private /run, its own /etc/microblog) with a Docker engine and an sshd, reached as
/// `deploy@address` from the outside namespace with the lab's key in an ssh-agent; the stand-in images loaded
/// under the stack's image names. Teardown removes every container, stops the engines, sshd and agent, then
/// tears down the network lab, then removes the user and files; whatever is left fails the test.
/// </summary>
public sealed class ContainerLab : IAsyncDisposable
{
    private readonly List<ContainerHost> _hosts = [];
    private readonly Dictionary<string, (LabProcess Mounts, LabProcess? Docker, LabProcess? Sshd)> _daemons = new(StringComparer.Ordinal);
    private DeployAccess? _access;
    private ImageNames? _images;
    private Task<(BaseRootfs Base, string Published)>? _prepared;
    private string? _sshdConfig;
    private bool _torn;

    private ContainerLab(NetnsLab net) => Net = net;

    public NetnsLab Net { get; }

    public IReadOnlyList<ContainerHost> Hosts => _hosts;

    public DeployAccess Access => _access ?? throw new InvalidOperationException("the lab has no deploy access yet");

    /// <summary>The cached base the images came from; null when the lab was made without images.</summary>
    public BaseRootfs? Base { get; private set; }

    public ContainerHost this[string name] => _hosts.SingleOrDefault(h => h.Name == name) ?? throw new KeyNotFoundException($"no container host `{name}`");

    /// <summary>A lab with the named hosts up (sshd answering, Docker ready, images loaded); the caller must <see cref="Teardown"/>.</summary>
    public static Task<ContainerLab> Create(Action<string> output, IReadOnlyList<string> hosts, ImageNames? images)
    {
        ContainerTraces.RemoveStale(output);
        return Create(NetnsLab.Create(output), hosts, images, output);
    }

    /// <summary>Container hosts on a network lab made by the caller (`infra lab`'s own place); torn down if the start fails.</summary>
    public static async Task<ContainerLab> Create(NetnsLab net, IReadOnlyList<string> hosts, ImageNames? images, Action<string> output)
    {
        var lab = new ContainerLab(net);
        try
        {
            DeployAccess.RemoveStale(net.Note);
            await lab.Start(hosts, images);
            return lab;
        }
        catch
        {
            var leaks = await lab.Teardown();
            if (leaks.Count > 0)
            {
                output("teardown after a failed start left: " + string.Join("; ", leaks));
            }

            throw;
        }
    }

    /// <summary>
    /// Container hosts an earlier process started and kept running (`infra lab up`), found again: their daemons keep
    /// running and are not this object's to stop (a sweep by name ends them); hosts added now are prepared as at the start.
    /// </summary>
    public static ContainerLab Attach(NetnsLab net, IReadOnlyList<ContainerHost> hosts, ImageNames images)
    {
        var lab = new ContainerLab(net) { _images = images, _access = DeployAccess.For(net), _sshdConfig = Path.Combine(net.RunDir, "sshd_config") };
        lab._hosts.AddRange(hosts);
        return lab;
    }

    /// <summary>`ssh deploy@host script` from the outside namespace, as an operator's machine runs it; stdin is the script's.</summary>
    public ShellResult Ssh(ContainerHost host, string script, string? stdin = null, TimeSpan? timeout = null) =>
        Access.Ssh(Net.Outside, host.Address, script, stdin, timeout);

    /// <summary>The docker CLI from the outside namespace with DOCKER_HOST=ssh://deploy@host.</summary>
    public ShellResult DockerOverSsh(ContainerHost host, params string[] args) => Access.Docker(Net.Outside, host.Address, args);

    public ShellResult DockerOverSsh(ContainerHost host, IEnumerable<string> args, string? stdin, TimeSpan? timeout = null) =>
        Access.Docker(Net.Outside, host.Address, args, stdin, timeout);

    /// <summary>The docker CLI straight to the host's daemon, for the harness's own checks (inspect, logs).</summary>
    public ShellResult Docker(ContainerHost host, params string[] args) => LabDocker.Run(host.DockerSocket, args);

    /// <summary>A root shell in the host's network and mount namespaces: a deployer on the host itself (localhost stacks).</summary>
    public ShellResult AsRoot(ContainerHost host, string script, string? stdin = null, TimeSpan? timeout = null) =>
        Shell.Run("nsenter", ["--target", host.MountNamespacePid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mount", "--net", "--", "sh", "-c", script], stdin ?? "", timeout);

    public async ValueTask DisposeAsync()
    {
        var leaks = await Teardown();
        if (leaks.Count > 0)
        {
            throw new InvalidOperationException("container lab teardown left: " + string.Join("; ", leaks));
        }
    }

    /// <summary>Stops everything in order and returns what is still there (should be nothing). Safe to call twice.</summary>
    public async Task<IReadOnlyList<string>> Teardown()
    {
        if (_torn)
        {
            return Leaks();
        }

        _torn = true;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(_hosts.Select(host => Task.Run(() => StopHost(host))));
        var netLeaks = await Net.Teardown();
        _access?.Remove(Net.Note);
        var left = ContainerTraces.Remove(NamesThisLab);
        if (left.Count > 0)
        {
            Net.Note("after teardown, could not remove: " + string.Join("; ", left));
        }

        var leaks = netLeaks.Concat(Leaks()).Distinct().ToList();
        Net.Note($"container lab torn down in {clock.Elapsed.TotalSeconds:F1} s" + (leaks.Count == 0 ? ": no process, mount, cgroup, user or sudoers file left" : $", {leaks.Count} things left"));
        return leaks;
    }

    /// <summary>What of the lab is still there: the network lab's leaks, Docker's processes and cgroups, mounts, the deploy access.</summary>
    public IReadOnlyList<string> Leaks() =>
        Net.Leaks()
            .Concat(ContainerTraces.Processes(NamesThisLab).Select(p => "process " + p))
            .Concat(ContainerTraces.CgroupDirs(NamesThisLab).Select(d => "cgroup " + d))
            .Concat(ContainerTraces.Mounts(NamesThisLab).Select(m => "mount " + m))
            .Concat(_access?.Leaks() ?? [])
            .Distinct()
            .ToList();

    private bool NamesThisLab(string text) =>
        text.Contains(Net.RunDir + "/", StringComparison.Ordinal) || text.Contains("/" + Net.Prefix, StringComparison.Ordinal) || text.StartsWith(Net.Prefix, StringComparison.Ordinal);

    private async Task Start(IReadOnlyList<string> names, ImageNames? images)
    {
        _images = images;
        // Images are prepared while the hosts come up: the base (cached, or about 40 s) and the programs (a few s).
        _prepared = images is null ? null : Task.Run(() => (Base: BaseRootfs.Ensure(Net.Note), Published: StandInImages.Publish(Net.Note)));
        _access = DeployAccess.For(Net);
        _access.Prepare(Net);
        _sshdConfig = WriteSshdConfig();
        await AddHosts(names);
    }

    /// <summary>More hosts for a running lab (a stack gaining a host), prepared like the first ones, with the same images.</summary>
    public async Task AddHosts(IReadOnlyList<string> names)
    {
        var clock = Stopwatch.StartNew();
        if (_prepared is null && _images is not null)
        {
            _prepared = Task.Run(() => (Base: BaseRootfs.Ensure(Net.Note), Published: StandInImages.Publish(Net.Note)));
        }

        var added = new List<ContainerHost>();
        // NetnsLab's host list and process list are not thread-safe: hosts and processes are added one by one.
        foreach (var name in names)
        {
            StartMountNamespace(name);
            added.Add(_hosts[^1]);
        }

        foreach (var host in added)
        {
            await StartDaemons(host, _sshdConfig!);
        }

        await Task.WhenAll(added.Select(host => Task.Run(async () =>
        {
            await Bounded.Until($"{host.Name}'s Docker engine", TimeSpan.FromSeconds(20),
                () => File.Exists(host.DockerSocket) && LabDocker.Run(host.DockerSocket, ["version"], timeout: TimeSpan.FromSeconds(5)).Ok,
                pollMs: 20, lastSeen: () => _daemons[host.Name].Docker!.LogTail(3));
            var dockerReady = clock.Elapsed;
            await NetnsLab.WaitForPort(Net.Outside, host.Address, 22, TimeSpan.FromSeconds(10));
            var sshReady = clock.Elapsed;
            var loaded = "no images";
            if (_prepared is not null)
            {
                var (rootfs, published) = await _prepared;
                Base = rootfs;
                var (import, builds) = StandInImages.LoadInto(host.DockerSocket, rootfs, published, _images!);
                loaded = $"images: import {import.TotalSeconds:F1} s{(_images!.Monitoring is null ? "" : " (with the monitoring layer)")} + {_images!.All.Count()} builds {builds.TotalSeconds:F1} s";
            }

            Net.Note($"{host.Name} up at {clock.Elapsed.TotalSeconds:F1} s (Docker answered at {dockerReady.TotalSeconds:F1} s, " +
                $"sshd at {sshReady.TotalSeconds:F1} s; {loaded})");
        })));
        Net.Note($"{added.Count} container hosts up in {clock.Elapsed.TotalSeconds:F1} s" + (_images is null ? "" : $": {string.Join(", ", _images.All.Select(i => i.Name))}"));
    }

    private void StartMountNamespace(string name)
    {
        var labHost = Net.AddHost(name);
        var dir = Net.HostDir(labHost);
        var config = Path.Combine(dir, "etc-microblog");
        Directory.CreateDirectory(config);
        var mounts = Net.Start(labHost, "mounts", "unshare", ["--mount", "--propagation", "private", "bash", "-c", MountsScript, "bash", dir, DeployAccess.ConfigRoot]);
        _hosts.Add(new ContainerHost(labHost, dir, config, mounts.Pid));
        _daemons[name] = (mounts, null, null);
    }

    /// <summary>dockerd and sshd join the host's mount namespace once its mounts are made.</summary>
    private async Task StartDaemons(ContainerHost host, string sshdConfig)
    {
        var mounts = _daemons[host.Name].Mounts;
        await Bounded.Until($"{host.Name}'s mounts", TimeSpan.FromSeconds(5), () => File.Exists(Path.Combine(host.Dir, "mounts.ready")) || mounts.HasExited, pollMs: 10);
        if (mounts.HasExited)
        {
            throw new InvalidOperationException($"{host.Name}: the mount namespace did not come up: {mounts.LogTail()}");
        }

        var pid = host.MountNamespacePid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var daemonJson = Path.Combine(host.DockerDir, "daemon.json");
        // No /etc/docker/key.json: the daemon keeps its identity key in its own folder.
        File.WriteAllText(daemonJson, $$"""{ "deprecated-key-path": "{{Path.Combine(host.DockerDir, "key.json")}}" }""" + "\n");
        var docker = Net.Start(host.Lab, "dockerd", "nsenter", ["--target", pid, "--mount", "--", "dockerd", "--config-file", daemonJson,
            "--data-root", Path.Combine(host.DockerDir, "data"), "--exec-root", Path.Combine(host.DockerDir, "exec"),
            "--pidfile", Path.Combine(host.DockerDir, "pid"), "-H", "unix:///run/docker.sock", "-H", "unix://" + host.DockerSocket,
            "--iptables=false", "--ip6tables=false", "--bridge=none", "--cgroup-parent", host.CgroupParent]);
        var hostKey = Path.Combine(host.Dir, "ssh_host_ed25519_key");
        Shell.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", host.Name, "-f", hostKey);
        var sshd = Net.Start(host.Lab, "sshd", "nsenter", ["--target", pid, "--mount", "--", "/usr/sbin/sshd", "-D", "-e", "-f", sshdConfig,
            "-p", "22", "-h", hostKey, "-o", "PidFile=" + Path.Combine(host.Dir, "sshd.pid"), "-o", "ListenAddress=" + host.Address]);
        _daemons[host.Name] = (mounts, docker, sshd);
    }

    /// <summary>
    /// $1 the host's folder, $2 /etc/microblog. The process then only holds the mount namespace for dockerd and sshd
    /// to join, named for the host's folder so a later run finds it if this one crashes.
    /// </summary>
    private const string MountsScript = """
        set -e
        # As on a host booted by systemd, / is shared (here within the namespace only): Docker binds it with rslave
        # propagation (the node exporter's /host) only from a shared or slave mount.
        mount --make-rshared /
        mount -t tmpfs -o mode=755 tmpfs /run
        mkdir -p /run/sshd "$1/docker/data"
        mount --bind "$1/etc-microblog" "$2"
        # The plan persists kernel settings in /etc/sysctl.d: each host gets its own copy, the machine's stays as it was.
        mkdir -p "$1/etc-sysctl.d"
        cp -a /etc/sysctl.d/. "$1/etc-sysctl.d/"
        mount --bind "$1/etc-sysctl.d" /etc/sysctl.d
        # Unpacking the base image is three times faster on tmpfs than on this disk; it goes with the namespace.
        mount -t tmpfs -o mode=711 tmpfs "$1/docker/data"
        touch "$1/mounts.ready"
        exec -a "microblog-lab-mounts $1" sleep infinity
        """;

    private string WriteSshdConfig()
    {
        var path = Path.Combine(Net.RunDir, "sshd_config");
        File.WriteAllText(path, $"""
            # the lab's hosts: the deploy user, by key only
            AllowUsers {DeployAccess.User}
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin no
            UsePAM yes
            AuthorizedKeysFile .ssh/authorized_keys
            PrintMotd no
            # the plan runner runs steps side by side, as pulumi up does: each a session on the one connection to the host
            MaxSessions 64
            MaxStartups 64:30:128
            Subsystem sftp /usr/lib/openssh/sftp-server

            """);
        return path;
    }

    /// <summary>Every container removed, then dockerd (which stops its containerd), sshd, and the mount namespace's holder.</summary>
    private async Task StopHost(ContainerHost host)
    {
        if (!_daemons.TryGetValue(host.Name, out var daemons))
        {
            return;
        }

        _access?.CloseMaster(Net.Outside, host.Address);

        if (daemons.Docker is { HasExited: false } && File.Exists(host.DockerSocket))
        {
            var ids = LabDocker.Run(host.DockerSocket, ["ps", "-aq"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (ids.Length > 0)
            {
                var removed = LabDocker.Run(host.DockerSocket, new[] { "rm", "-f", "-v" }.Concat(ids), timeout: TimeSpan.FromSeconds(30));
                Net.Note($"{host.Name}: removed {ids.Length} containers" + (removed.Ok ? "" : $": {removed.Stderr.Trim()}"));
            }
        }

        foreach (var (process, grace) in new[] { (daemons.Docker, TimeSpan.FromSeconds(15)), (daemons.Sshd, TimeSpan.FromSeconds(3)), (daemons.Mounts, TimeSpan.Zero) })
        {
            if (process is null)
            {
                continue;
            }

            var clock = Stopwatch.StartNew();
            var survivors = await process.Stop(grace);
            Net.Note($"{process} stopped in {clock.ElapsedMilliseconds} ms" + (survivors.Count > 0 ? "; survived: " + string.Join("; ", survivors) : ""));
        }

        // containerd and its shims live in sessions of their own: dockerd stops them, and whatever it left is killed.
        var left = ContainerTraces.Processes(text => text.Contains(host.Dir + "/", StringComparison.Ordinal) || text.Contains("/" + host.CgroupParent + "/", StringComparison.Ordinal));
        foreach (var p in left)
        {
            Native.Signal(p.Pid, Native.SIGKILL);
            Net.Note($"{host.Name}: killed what dockerd left: {p}");
        }
    }
}
