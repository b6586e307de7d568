using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Live.Tests.Harness;

/// <summary>
/// A rendered topology running on a lab: each host's files written into its folder exactly as rendered, its
/// nftables ruleset loaded, its services started as real processes: supervisord from the rendered
/// supervisord.conf on the process-managed layouts, otherwise nginx, haproxy, the apps and the CrateDB
/// doubles one by one (the containers of production, minus Docker).
/// </summary>
public sealed class LiveStack
{
    private readonly Dictionary<string, LabProcess> _services = new(StringComparer.Ordinal);

    private LiveStack(NetnsLab lab, StackTopology topology, bool firewall)
    {
        Lab = lab;
        Topology = topology;
        Firewall = firewall;
        JournalDir = Path.Combine(lab.RunDir, "journal");
        Directory.CreateDirectory(JournalDir);
    }

    public NetnsLab Lab { get; }

    public StackTopology Topology { get; private set; }

    public bool Firewall { get; }

    /// <summary>Where every app instance journals the posts it applied (see the test app).</summary>
    public string JournalDir { get; }

    /// <summary>Clients of a stack on 127.0.0.1 run on its host; every other stack is reached from the outside.</summary>
    public LabHost Client => Topology.Hosts.All(h => h.Access.Local) ? Lab[Topology.Hosts[0].Name] : Lab.Outside;

    public Instance FrontDoor => Topology.FrontDoor[0];

    public string Url(Instance instance, string path = "/") => $"http://{Endpoints.Format(instance.Address, instance.Port)}{path}";

    public string FrontUrl(string path = "/") => Url(FrontDoor, path);

    public LabHost HostOf(Instance instance) => Lab[instance.Host];

    public string HostDir(string host) => Lab.HostDir(Lab[host]);

    /// <summary>The stats page of an haproxy (or the load balancer), asked from its own host: the only caller it answers.</summary>
    public string StatsUrl(Instance haproxy) => Url(haproxy, "/__haproxy_stats");

    public IReadOnlyDictionary<string, LabProcess> Services => _services;

    public static async Task<LiveStack> Start(NetnsLab lab, StackSpec spec, bool firewall = true, TimeSpan? limit = null)
    {
        var stack = new LiveStack(lab, LabStack.Place(lab, spec), firewall);
        foreach (var host in stack.Topology.Hosts)
        {
            stack.Write(host);
        }

        foreach (var host in stack.Topology.Hosts)
        {
            if (firewall)
            {
                lab.ApplyNftables(lab[host.Name], Path.Combine(stack.HostDir(host.Name), FilePaths.Firewall));
            }

            stack.StartHost(host);
        }

        var took = await stack.WaitReady(limit ?? TimeSpan.FromSeconds(30));
        lab.Note($"{stack.Topology.Stack} up: {stack.Topology.Instances.Count} instances on {stack.Topology.Hosts.Count} hosts ready in {took.TotalSeconds:F1} s");
        return stack;
    }

    /// <summary>Writes every rendered file of a host; returns those whose content changed (new files included).</summary>
    public IReadOnlyList<RenderedFile> Write(Host host)
    {
        var changed = new List<RenderedFile>();
        var dir = HostDir(host.Name);
        foreach (var file in Render.ForHost(Topology, host))
        {
            var path = Path.Combine(dir, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path) || File.ReadAllText(path) != file.Content)
            {
                File.WriteAllText(path, file.Content);
                changed.Add(file);
            }
        }

        return changed;
    }

    private Dictionary<string, string> AppEnvironment => new() { ["MICROBLOG_TESTAPP_JOURNAL"] = JournalDir };

    private void StartHost(Host host)
    {
        if (Topology.IsProcessManaged)
        {
            var conf = Path.Combine(HostDir(host.Name), FilePaths.Supervisord);
            _services["supervisord@" + host.Name] = Lab.Start(Lab[host.Name], "supervisord", "supervisord", ["-c", conf], AppEnvironment);
            return;
        }

        // Back to front, as a deployment would: each service finds what it talks to already there.
        foreach (var role in new[] { Role.Crate, Role.App, Role.Haproxy, Role.Nginx, Role.LoadBalancer })
        {
            foreach (var instance in Topology.On(host.Name, role))
            {
                StartInstance(instance);
            }
        }
    }

    /// <summary>Starts one service the way its container would run it (the layouts without supervisord).</summary>
    public LabProcess StartInstance(Instance instance)
    {
        var host = HostOf(instance);
        var dir = HostDir(instance.Host);
        var commands = Topology.Spec.Commands;
        var process = instance.Role switch
        {
            Role.Crate => Lab.Start(host, instance.Name, commands.Crate, ["-Cpath.conf=" + Path.Combine(dir, Path.GetDirectoryName(FilePaths.Crate(instance))!)]),
            Role.App => Lab.Start(host, instance.Name, commands.App, [Path.Combine(dir, FilePaths.App(instance))], AppEnvironment),
            Role.Haproxy => Lab.Start(host, instance.Name, commands.Haproxy, ["-W", "-db", "-f", Path.Combine(dir, FilePaths.Haproxy)]),
            Role.LoadBalancer => Lab.Start(host, instance.Name, commands.Haproxy, ["-W", "-db", "-f", Path.Combine(dir, FilePaths.LoadBalancer)]),
            Role.Nginx => Lab.Start(host, instance.Name, "nginx",
                ["-p", Path.Combine(dir, "nginx") + "/", "-e", "stderr", "-c", Path.Combine(dir, FilePaths.Nginx), "-g", "daemon off;"]),
            _ => throw new InvalidOperationException($"cannot start {instance.Role}"),
        };
        _services[instance.Name] = process;
        return process;
    }

    public LabProcess Service(Instance instance) => _services[instance.Name];

    /// <summary>
    /// Every instance answers on each of its ports on its own host, every haproxy (and the load balancer) sees
    /// all its servers UP, and the front door answers the health path from the client's side.
    /// </summary>
    public async Task<TimeSpan> WaitReady(TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan Left() => limit - clock.Elapsed > TimeSpan.FromSeconds(1) ? limit - clock.Elapsed : TimeSpan.FromSeconds(1);
        await Task.WhenAll(Topology.Instances.SelectMany(i => i.Ports.Select(port =>
            NetnsLab.WaitForPort(HostOf(i), i.Address, port, Left()))));
        await Task.WhenAll(Topology.Instances.Where(i => i.Role is Role.Haproxy or Role.LoadBalancer).Select(i =>
            HaproxyStats.WaitAllUp(Lab, HostOf(i), StatsUrl(i), Left())));
        await Lab.WaitForHttp(Client, FrontUrl(Topology.Spec.HealthCheckPath), Left());
        return clock.Elapsed;
    }

    public ShellResult Supervisorctl(string host, params string[] args)
    {
        var result = Shell.Run("supervisorctl", ["-c", Path.Combine(HostDir(host), FilePaths.Supervisord), .. args]);
        Lab.Note($"supervisorctl {string.Join(' ', args)} on {host}: exit {result.ExitCode}: {result.Stdout.Trim().Replace('\n', ';')}");
        return result;
    }

    /// <summary>The posts every app instance journaled: how many, and which request ids were applied more than once.</summary>
    public (int Applied, IReadOnlyDictionary<string, int> Duplicates) Journal()
    {
        var ids = Directory.GetFiles(JournalDir, "*.posts")
            .SelectMany(File.ReadAllLines)
            .Where(l => l.Length > 0)
            .ToList();
        var duplicates = ids.GroupBy(i => i).Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.Count());
        return (ids.Count, duplicates);
    }
}
