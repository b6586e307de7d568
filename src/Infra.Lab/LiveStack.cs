using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Lab;

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
    public string StatsUrl(Instance haproxy) => Url(haproxy, HaproxyConfig.StatsPath);

    public IReadOnlyDictionary<string, LabProcess> Services => _services;

    /// <summary>A stack an earlier process started on this lab from <paramref name="applied"/>, found again for <see cref="Deliver"/>.</summary>
    public static LiveStack Attach(NetnsLab lab, StackSpec applied, bool firewall = true) => new(lab, LabStack.Place(lab, applied), firewall);

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

            stack.StartServing(host);
        }

        await stack.StartMonitoring(stack.Topology.Hosts, limit ?? TimeSpan.FromSeconds(30));
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
                file.WriteTo(path);
                changed.Add(file);
            }
        }

        return changed;
    }

    /// <summary>dev and single-host run under their rendered supervisord; every other layout as one process per service.</summary>
    private bool UnderSupervisord => Topology.DefaultRunMode == RunMode.Supervisord;

    private Dictionary<string, string> AppEnvironment => new() { ["MICROBLOG_TESTAPP_JOURNAL"] = JournalDir };

    /// <summary>The host's own services: under its supervisord, or back to front as a deployment starts them.</summary>
    private void StartServing(Host host)
    {
        if (UnderSupervisord)
        {
            var supervisord = Path.Combine(HostDir(host.Name), FilePaths.SupervisorScript("supervisord"));
            _services["supervisord@" + host.Name] = Lab.Start(Lab[host.Name], "supervisord", supervisord, [], AppEnvironment);
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

    /// <summary>
    /// The monitoring services beside them (supervisord.conf runs only the stack's own), once what they watch answers:
    /// the nginx exporter reads nginx's status page at its start and exits when nginx is not there yet. Its container
    /// would be restarted by its restart policy; these bare processes would not.
    /// </summary>
    private async Task StartMonitoring(IEnumerable<Host> hosts, TimeSpan limit)
    {
        var names = hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        var monitoring = Topology.Instances.Where(i => names.Contains(i.Host) && i.Role.IsMonitoring()).ToList();
        if (monitoring.Count == 0)
        {
            return;
        }

        await Task.WhenAll(Topology.Instances.Where(i => names.Contains(i.Host) && !i.Role.IsMonitoring())
            .SelectMany(i => i.Ports.Select(port => NetnsLab.WaitForPort(HostOf(i), i.Address, port, limit))));
        foreach (var role in new[] { Role.NodeExporter, Role.NginxExporter, Role.Alertmanager, Role.Prometheus })
        {
            foreach (var instance in monitoring.Where(i => i.Role == role))
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
        if (instance.Role == Role.Crate)
        {
            // Its crate.yml has it listen on the admin network's gateway too, which the plan has Docker make.
            Lab.AddAdminBridge(host);
        }

        var process = instance.Role switch
        {
            // crate.yml's path.data is the container's volume; a process keeps its data in the lab's folder instead.
            Role.Crate => Lab.Start(host, instance.Name, commands.Crate,
                ["-Cpath.conf=" + Path.Combine(dir, Path.GetDirectoryName(FilePaths.Crate(instance))!), "-Cpath.data=" + Path.Combine(dir, Path.GetDirectoryName(FilePaths.Crate(instance))!, "data")]),
            Role.App => Lab.Start(host, instance.Name, commands.App, [Path.Combine(dir, FilePaths.App(instance))], AppEnvironment),
            Role.Haproxy => Lab.Start(host, instance.Name, commands.Haproxy, ["-W", "-db", "-f", Path.Combine(dir, FilePaths.Haproxy)]),
            Role.LoadBalancer => Lab.Start(host, instance.Name, commands.Haproxy, ["-W", "-db", "-f", Path.Combine(dir, FilePaths.LoadBalancer)]),
            Role.Nginx => Lab.Start(host, instance.Name, "nginx",
                ["-p", Path.Combine(dir, "nginx") + "/", "-e", "stderr", "-c", Path.Combine(dir, FilePaths.Nginx), "-g", "daemon off;"]),
            // Debian's packages, with the flags the plan gives the containers, on this host's folder.
            Role.Prometheus or Role.Alertmanager or Role.NodeExporter or Role.NginxExporter => Lab.Start(host, instance.Name, MonitoringPrograms[instance.Role],
                MonitoringCommands.For(Topology, instance, Path.Combine(dir, TopologyResolver.RoleName(instance.Role)), Path.Combine(dir, TopologyResolver.RoleName(instance.Role), "data"))),
            _ => throw new InvalidOperationException($"cannot start {instance.Role}"),
        };
        _services[instance.Name] = process;
        return process;
    }

    public static readonly IReadOnlyDictionary<Role, string> MonitoringPrograms = new Dictionary<Role, string>
    {
        [Role.Prometheus] = "prometheus",
        [Role.Alertmanager] = "prometheus-alertmanager",
        [Role.NodeExporter] = "prometheus-node-exporter",
        [Role.NginxExporter] = "prometheus-nginx-exporter",
    };

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
        await WaitProxiesUp(Left());
        await Lab.WaitForHttp(Client, FrontUrl(Topology.Spec.HealthCheckPath), Left());
        return clock.Elapsed;
    }

    /// <summary>
    /// Moves the running stack to a new spec the way the README says a change reaches running services, while
    /// traffic flows: firewall rules first (so new peers are let in), new hosts and instances next, then hitless
    /// proxy reloads back to front, then a rolling restart of apps whose config changed, one host at a time.
    /// Returns the steps taken, for the test to print.
    /// </summary>
    public async Task<IReadOnlyList<string>> Deliver(StackSpec spec, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan Left() => limit - clock.Elapsed > TimeSpan.FromSeconds(1) ? limit - clock.Elapsed : TimeSpan.FromSeconds(1);
        var steps = new List<string>();
        void Step(string what)
        {
            steps.Add($"{clock.Elapsed.TotalSeconds:F1} s: {what}");
            Lab.Note(what);
        }

        var old = Topology;
        Topology = LabStack.Place(Lab, spec);
        var changed = Topology.Hosts.ToDictionary(h => h.Name, Write);
        var added = Topology.Hosts.Where(h => old.Hosts.All(o => o.Name != h.Name)).ToList();
        var kept = Topology.Hosts.Except(added).ToList();
        bool Changed(Host host, string path) => changed[host.Name].Any(f => f.Path == path);

        // Access follows what it admits, as under pulumi up: what the new rules add first, the whole ruleset last.
        foreach (var host in kept.Where(h => Firewall && Changed(h, FilePaths.Firewall)))
        {
            var additions = Path.Combine(HostDir(host.Name), "nftables.additions");
            File.WriteAllLines(additions, FirewallConfig.Additions(File.ReadAllText(Path.Combine(HostDir(host.Name), FilePaths.Firewall))));
            Lab.ApplyNftables(Lab[host.Name], additions);
            Step($"nft: {host.Name} admits what the new rules add");
        }

        foreach (var host in added)
        {
            if (Firewall)
            {
                Lab.ApplyNftables(Lab[host.Name], Path.Combine(HostDir(host.Name), FilePaths.Firewall));
            }

            StartServing(host);
            Step($"new host {host.Name} started");
        }

        await StartMonitoring(added, Left());

        var newInstances = Topology.Instances.Where(i => old.Instances.All(o => o.Name != i.Name)).ToList();
        var goneInstances = old.Instances.Where(o => Topology.Instances.All(i => i.Name != o.Name)).ToList();
        if (goneInstances.Count > 0 && !UnderSupervisord)
        {
            throw new NotSupportedException($"Deliver removes instances only under supervisord; {string.Join(", ", goneInstances)} would be left running");
        }

        foreach (var host in kept)
        {
            if (UnderSupervisord)
            {
                // new processes first, so that the proxies find them when they reload; nothing else restarts
                if (Changed(host, FilePaths.Supervisord) && newInstances.Any(i => i.Host == host.Name))
                {
                    Step(Supervise(host.Name, "resize"));
                }
            }
            else
            {
                foreach (var instance in newInstances.Where(i => i.Host == host.Name))
                {
                    StartInstance(instance);
                    Step($"new instance {instance.Name} started");
                }
            }
        }

        await Task.WhenAll(newInstances.SelectMany(i => i.Ports.Select(port => NetnsLab.WaitForPort(HostOf(i), i.Address, port, Left()))));
        Step("every new instance answers");

        foreach (var role in new[] { Role.Haproxy, Role.Nginx, Role.LoadBalancer })
        {
            foreach (var proxy in Topology.Of(role).Where(p => kept.Any(h => h.Name == p.Host)))
            {
                var file = role switch { Role.Haproxy => FilePaths.Haproxy, Role.Nginx => FilePaths.Nginx, _ => FilePaths.LoadBalancer };
                if (Changed(Topology.HostOf(proxy), file))
                {
                    Reload(proxy);
                    Step($"{proxy.Name} reloaded");
                }
            }
        }

        await WaitProxiesUp(Left());
        Step("every proxy sees all its servers UP");

        foreach (var host in kept.Where(h => UnderSupervisord && Changed(h, FilePaths.Supervisord)))
        {
            // dropped processes stop only now that no proxy sends them requests; `update` applies what resize left
            if (goneInstances.Any(i => i.Host == host.Name))
            {
                Step(Supervise(host.Name, "resize"));
            }

            Step(Supervise(host.Name, "update"));
        }

        foreach (var host in kept)
        {
            var restarted = Topology.On(host.Name, Role.App)
                .Where(a => old.Instances.Any(o => o.Name == a.Name) && Changed(host, FilePaths.App(a)))
                .ToList();
            foreach (var app in restarted)
            {
                await Restart(app);
            }

            if (restarted.Count > 0)
            {
                await WaitProxiesUp(Left());
                Step($"apps on {host.Name} restarted for their new config ({string.Join(", ", restarted)}), UP again everywhere");
            }
        }

        foreach (var host in kept.Where(h => Firewall && Changed(h, FilePaths.Firewall)))
        {
            Lab.ApplyNftables(Lab[host.Name], Path.Combine(HostDir(host.Name), FilePaths.Firewall));
            Step($"nft -f on {host.Name}: what the new rules no longer admit is withdrawn");
        }

        var pending = kept.SelectMany(h => changed[h.Name]).Where(f => f.OnChange == ChangeAction.NextRestart).Select(f => $"{f.Host}/{f.Path}").ToList();
        if (pending.Count > 0)
        {
            Step($"left for the next restart: {string.Join(", ", pending)}");
        }

        return steps;
    }

    /// <summary>A supervisorctl command the delivery depends on: a failure throws; returns what it said, for the steps.</summary>
    private string Supervise(string host, params string[] args)
    {
        var command = string.Join(' ', args);
        var result = Shell.Run(SupervisorctlOf(host), args);
        if (!result.Ok)
        {
            throw new InvalidOperationException($"supervisorctl {command} on {host}: {result}");
        }

        var said = result.Stdout.Trim().Replace('\n', ';');
        return $"supervisorctl {command} on {host}: {(said.Length == 0 ? "nothing to do" : said)}";
    }

    /// <summary>A hitless reload: SIGUSR2 to the haproxy master, SIGHUP to the nginx master.</summary>
    public void Reload(Instance proxy)
    {
        if (UnderSupervisord)
        {
            Supervise(proxy.Host, "signal", proxy.Role == Role.Nginx ? "HUP" : "USR2", TopologyResolver.RoleName(proxy.Role));
            return;
        }

        if (!Service(proxy).Signal(proxy.Role == Role.Nginx ? Native.SIGHUP : Native.SIGUSR2))
        {
            throw new InvalidOperationException($"cannot signal {proxy.Name}: {Service(proxy).LogTail(5)}");
        }
    }

    /// <summary>Stops an app gracefully and starts it again with its current config.</summary>
    public async Task Restart(Instance app)
    {
        if (UnderSupervisord)
        {
            Supervise(app.Host, "restart", $"app:app_{app.Port}");
        }
        else
        {
            var left = await Service(app).Stop(TimeSpan.FromSeconds(5));
            if (left.Count > 0)
            {
                throw new InvalidOperationException($"{app.Name} survived its stop: {string.Join("; ", left)}");
            }

            StartInstance(app);
        }

        await NetnsLab.WaitForPort(HostOf(app), app.Address, app.Port, TimeSpan.FromSeconds(10));
    }

    private Task WaitProxiesUp(TimeSpan limit) =>
        Task.WhenAll(Topology.Instances.Where(i => i.Role is Role.Haproxy or Role.LoadBalancer).Select(i =>
            HaproxyStats.WaitUntil(Lab, HostOf(i), StatsUrl(i),
                rows => Topology.Targets(i).All(t => rows.Any(r => r.Server == t.Name && r.Status == "UP")),
                $"every server of {i.Name} UP", limit)));

    /// <summary>The host's bin/supervisorctl, as an operator runs it.</summary>
    public ShellResult Supervisorctl(string host, params string[] args)
    {
        var result = Shell.Run(SupervisorctlOf(host), args);
        Lab.Note($"supervisorctl {string.Join(' ', args)} on {host}: exit {result.ExitCode}: {result.Stdout.Trim().Replace('\n', ';')}");
        return result;
    }

    private string SupervisorctlOf(string host) => Path.Combine(HostDir(host), FilePaths.SupervisorScript("supervisorctl"));

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
