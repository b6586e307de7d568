using System.Diagnostics;
using System.Globalization;
using Infra.Lab.Containers;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Lab.Session;

/// <summary>Something the operator can act on (another stack's lab runs, no lab runs): one line, no stack trace.</summary>
public sealed class LabRefused(string message) : Exception(message);

/// <summary>The change was applied, but requests failed while it was: what `apply --load` is there to show.</summary>
public sealed class LabLoadFailed(string message) : Exception(message);

/// <summary>A stack file as `infra lab` takes it: the validated spec, its text (kept to compute the next change), its name.</summary>
public sealed record LabStackFile(StackSpec Spec, string Yaml, string File);

/// <summary>
/// `infra lab`: a stack running on this machine, its hosts as network namespaces prepared as the README's "what to
/// prepare" says, the front door reachable from here. dev and single-host run under their rendered supervisord
/// (<see cref="LiveStack"/>); every other layout runs as containers over SSH from its plan (<see cref="ContainerStack"/>),
/// on stand-in images. The daemons outlive each command; <see cref="LabState"/> says what runs for the next one. The
/// live tests drive these same classes, so what runs here is what they prove.
/// </summary>
public sealed class LabSession(Action<string> output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public static LabTier TierOf(StackSpec spec) => TopologyResolver.Resolve(spec).DefaultRunMode == RunMode.Supervisord ? LabTier.Processes : LabTier.Containers;

    /// <summary>The servers a process-managed stack needs from this machine (the containers bring their own).</summary>
    public static IEnumerable<string> ServersOf(StackSpec spec) =>
        TopologyResolver.Resolve(spec).Instances.Select(i => i.Role).Distinct()
            .SelectMany(r => r switch { Role.Nginx => ["nginx"], Role.Haproxy or Role.LoadBalancer => ["haproxy"], _ => Array.Empty<string>() })
            .Distinct();

    public async Task Up(LabStackFile stack, bool load)
    {
        var state = LabState.Read();
        if (state is { Phase: LabState.Up })
        {
            if (state.Stack != stack.Spec.Stack)
            {
                throw new LabRefused($"the lab runs {state.Stack} (since {state.Since:yyyy-MM-dd HH:mm}): `infra lab down` first, or `infra lab apply {state.Stack}` to change it");
            }

            if (state.AppliedYaml == stack.Yaml)
            {
                Say($"{stack.Spec.Stack} is up in the lab already, as {stack.File} says");
                await Status();
                return;
            }

            Say($"{stack.Spec.Stack} is up in the lab: {stack.File} changed since, so this applies the change");
            await Apply(stack, load);
            return;
        }

        if (state is { Abandoned: false })
        {
            throw new LabRefused($"`infra lab` (pid {state.Pid}) is {state.Phase} {state.Stack} right now: wait for it, or stop it and run `infra lab down`");
        }

        if (state is not null || LabSweep.Leftovers().Count > 0)
        {
            Say("an earlier lab did not finish (crashed or stopped): removing what it left");
            await Down(quiet: true);
        }

        var spec = stack.Spec;
        var tier = TierOf(spec);
        Say(tier == LabTier.Processes
            ? $"{spec.Stack}: under its rendered supervisord (bin/supervisord), as on an operator's machine, in a network namespace of its own. " +
              "Stand-in programs: the app is the test app (tests/Microblog.TestApp), CrateDB is a double (tests/Microblog.CrateDouble: it proves wiring only, it is not CrateDB)" +
              string.Concat(ServersOf(spec).Select(s => $"; {s} is this machine's"))
            : $"{spec.Stack}: as containers, as `pulumi up` deploys it: each host a network namespace with its own dockerd and sshd, " +
              $"reached as {DeployAccess.User}@host over SSH, every step of the plan in order. The images are STAND-INS, not the official ones: " +
              $"Debian 13 builds (cached in {BaseRootfs.CacheDir}) tagged with the stack's names: {spec.Images.Nginx} is nginx 1.26, {spec.Images.Haproxy} is haproxy 3.0, " +
              $"{ImageNames.Of(spec).App} is the test app (tests/Microblog.TestApp), {spec.Images.Crate} is a CrateDB double (tests/Microblog.CrateDouble: wiring and membership only, not CrateDB)");

        var net = NetnsLab.Create(LabPlaces.Place, output);
        net.KeepRunning();
        var mappings = Map(spec, net, add: true);
        var starting = new LabState(spec.Stack, stack.File, stack.Yaml, tier, LabState.Starting, Environment.ProcessId, DateTimeOffset.Now, net.Snapshot(), [], mappings, "");
        starting.Write();
        try
        {
            var here = net.LinkThisMachine(LabPlaces.Device);
            WriteHosts(mappings, here);
            string front;
            IReadOnlyList<ContainerHost> containerHosts = [];
            if (tier == LabTier.Processes)
            {
                Say("each host: its rendered files written, its nftables.conf loaded, bin/supervisord started; then every port, every haproxy server UP, the front door");
                var live = await LiveStack.Start(net, spec, firewall: true, limit: TimeSpan.FromSeconds(90));
                front = FrontDoorOf(net, live.Topology);
            }
            else
            {
                var lab = await ContainerLab.Create(net, ContainerStack.HostNames(spec), ImageNames.Of(spec), output);
                Say($"the plan, step by step (step, host, time):");
                var deployed = ContainerStack.Deploy(lab, spec, out var runs);
                Say($"{runs.Count} steps done");
                containerHosts = lab.Hosts;
                front = FrontDoorOf(net, deployed.Topology);
            }

            var up = starting with { Phase = LabState.Up, Network = net.Snapshot(), ContainerHosts = containerHosts, FrontDoorUrl = front };
            up.Write();
            await Status(up);
            Say("next: infra lab status | infra lab apply " + spec.Stack + " --load (after editing its stack file) | infra lab down");
        }
        catch (Exception e) when (e is not LabRefused)
        {
            Say($"up failed: {e.Message}");
            net.WriteLogTails();
            Say("removing what was started");
            await Down(quiet: true);
            throw;
        }
    }

    /// <summary>The change from the stack file last applied to <paramref name="stack"/>, delivered as the plan orders it, optionally under steady GETs.</summary>
    public async Task Apply(LabStackFile stack, bool load)
    {
        var state = LabState.Read() ?? throw new LabRefused($"no lab runs on this machine: `infra lab up {stack.Spec.Stack}` first");
        if (state.Stack != stack.Spec.Stack)
        {
            throw new LabRefused($"the lab runs {state.Stack}, not {stack.Spec.Stack}: `infra lab down`, then `infra lab up {stack.Spec.Stack}`");
        }

        if (state.Abandoned && state.Phase == LabState.Starting)
        {
            throw new LabRefused($"the lab of {state.Stack} never finished coming up (its `infra lab up` stopped): `infra lab down`, then `infra lab up {state.Stack}`");
        }

        if (state is { Abandoned: false, Phase: not LabState.Up })
        {
            throw new LabRefused($"`infra lab` (pid {state.Pid}) is {state.Phase} {state.Stack} right now: wait for it");
        }

        var before = SpecLoader.LoadYaml(state.AppliedYaml, state.StackFile, state.Stack).Spec
            ?? throw new InvalidOperationException($"the state file's copy of {state.StackFile} no longer loads: `infra lab down`, then `infra lab up`");
        if (state.Abandoned)
        {
            Say("the last apply did not finish: this one runs the change from the stack file last applied in full");
        }
        else if (state.Unfinished is { } unfinished)
        {
            Say($"the last apply failed part way ({unfinished.Failure}): this one takes up where it stopped, as a second `pulumi up` would");
        }

        var spec = stack.Spec;
        if (TierOf(spec) != state.Tier)
        {
            throw new LabRefused($"{stack.File} moves {spec.Stack} from {Describe(state.Tier)} to {Describe(TierOf(spec))}: `infra lab down`, then `infra lab up {spec.Stack}`");
        }

        var net = NetnsLab.Attach(LabPlaces.Place, state.Network, output);
        (state with { Phase = LabState.Applying, Pid = Environment.ProcessId }).Write();
        LoadRun? traffic = null;
        try
        {
            await Deliver(state, before, stack, net, load, loadRun => traffic = loadRun);
        }
        finally
        {
            // A failed change must not leave the steady GETs running for their hour.
            if (traffic is { Process.HasExited: false })
            {
                await traffic.Process.Stop(TimeSpan.FromSeconds(2));
            }
        }
    }

    private async Task Deliver(LabState state, StackSpec before, LabStackFile stack, NetnsLab net, bool load, Action<LoadRun> started)
    {
        var spec = stack.Spec;
        LoadRun? traffic = null;
        var mappings = state.Hosts;
        IReadOnlyList<ContainerHost> containerHosts = state.ContainerHosts;
        string front;
        if (state.Tier == LabTier.Processes)
        {
            var live = LiveStack.Attach(net, before);
            traffic = load ? await StartLoad(net, live.Client, live.FrontUrl(), started) : null;
            Say("delivering the change as the README's change costs say (nft, new processes, resize, hitless reloads, rolling restarts):");
            var steps = await live.Deliver(spec, TimeSpan.FromSeconds(120));
            Say($"{steps.Count} steps done");
            front = FrontDoorOf(net, live.Topology);
        }
        else
        {
            var lab = ContainerLab.Attach(net, state.ContainerHosts, ImageNames.Of(before));
            var added = ContainerStack.HostNames(spec).Where(h => lab.Hosts.All(c => c.Name != h)).ToList();
            mappings = Map(spec, net, add: false, added);
            if (added.Count > 0)
            {
                WriteHosts(mappings.Where(m => added.Contains(m.Name)).ToList(), null);
                Say($"new hosts prepared like the others (dockerd, sshd, the deploy user, the stand-in images): {string.Join(", ", added)}");
                await lab.AddHosts(added);
            }

            foreach (var host in lab.Hosts)
            {
                var tagged = StandInImages.TagMissing(host.DockerSocket, ImageNames.Of(spec));
                if (tagged.Count > 0)
                {
                    Say($"{host.Name}: the stack names new images; the lab tags its stand-ins with them: {string.Join(", ", tagged)}");
                }
            }

            var deployed = ContainerStack.Attach(lab, before, state.Abandoned || state.Unfinished is null ? null : state.Unfinished.Restore(PlansOn(lab, state.StackFile, state.Stack)));
            traffic = load ? await StartLoad(net, deployed.Client, deployed.FrontDoorUrl(), started) : null;
            Say("the change, step by step as `pulumi up` orders it (create, run, replace; then delete and retire; step, host, time):");
            IReadOnlyList<StepRun> runs;
            try
            {
                runs = await Task.Run(() => deployed.Apply(spec));
            }
            catch (InvalidOperationException e)
            {
                // As Pulumi's state after a failed update: what succeeded is recorded, and the next apply takes up from it.
                var yamls = new[] { state.AppliedYaml, stack.Yaml }.Concat(state.Unfinished?.Yamls ?? []).Distinct().ToList();
                (state with { Phase = LabState.Up, Pid = Environment.ProcessId, Unfinished = UnfinishedApply.Of(deployed.State, yamls, PlansOn(lab, state.StackFile, state.Stack), e.Message) }).Write();
                Say($"the apply failed part way: {e.Message}");
                Say($"what succeeded is kept: fix the cause, then `infra lab apply {spec.Stack}` again takes up where it stopped");
                throw;
            }

            Say(runs.Count == 0 ? "nothing to do: the plan is the same" : $"{runs.Count} steps done");
            foreach (var gone in state.Hosts.Where(h => !ContainerStack.HostNames(spec).Contains(h.Name)))
            {
                Say($"{gone.Name} is no longer in the stack: its containers are gone, its namespace stays idle until `infra lab down`");
            }

            containerHosts = lab.Hosts;
            front = FrontDoorOf(net, deployed.Topology);
        }

        var applied = state with
        {
            Unfinished = null,
            StackFile = stack.File,
            AppliedYaml = stack.Yaml,
            Phase = LabState.Up,
            Pid = Environment.ProcessId,
            Network = net.Snapshot(),
            ContainerHosts = containerHosts,
            Hosts = mappings,
            FrontDoorUrl = front,
        };
        applied.Write();
        if (traffic is not null)
        {
            await Task.Delay(1000);
            traffic.Process.Signal(Native.SIGTERM);
            var result = await traffic.Result(TimeSpan.FromSeconds(30));
            Say($"traffic during the change: {result.Sent} GETs, {result.Failed} failed, worst latency {result.MaxMs:F0} ms (p50 {result.P50Ms:F1} ms, p99 {result.P99Ms:F1} ms)");
            Say("  " + result);
            await Status(applied);
            if (result.Failed > 0)
            {
                throw new LabLoadFailed($"{result.Failed} of {result.Sent} GETs failed during the change (worst latency {result.MaxMs:F0} ms): the change was applied, but not without an outage");
            }

            return;
        }

        await Status(applied);
    }

    /// <summary>A stack file's plan on this lab, as the runner runs it.</summary>
    private static Func<string, DeploymentPlan> PlansOn(ContainerLab lab, string file, string stack) =>
        yaml => ContainerStack.PlanOn(lab, SpecLoader.LoadYaml(yaml, file, stack).Spec ?? throw new InvalidOperationException($"{file} as it was applied no longer loads"));

    /// <summary>What runs, per host and service, with each one's health, and whether the front door answers this machine.</summary>
    public async Task Status(LabState? known = null)
    {
        var state = known ?? LabState.Read();
        if (state is null)
        {
            var left = LabSweep.Leftovers();
            Say(left.Count == 0 ? "no lab runs on this machine" : $"no lab runs, but an earlier one left {left.Count} things: `infra lab down` removes them");
            return;
        }

        var spec = SpecLoader.LoadYaml(state.AppliedYaml, state.StackFile, state.Stack).Spec!;
        var net = NetnsLab.Attach(LabPlaces.Place, state.Network, null);
        var topology = TopologyResolver.Resolve(LabStack.WithLabAddresses(spec, state.Hosts.ToDictionary(h => h.Name, h => h.LabAddress)));
        var phase = state.Phase == LabState.Up
            ? state.Unfinished is { } failed ? $"up, but the last apply failed part way ({failed.Failure}): `infra lab apply` again takes up where it stopped" : "up"
            : state.Abandoned ? $"{state.Phase}, but that command stopped: `infra lab down`" : $"{state.Phase} (pid {state.Pid})";
        output($"{state.Stack} in the lab ({(state.Tier == LabTier.Processes ? Describe(state.Tier) : "containers, stand-in images")}): {phase}, since {state.Since:yyyy-MM-dd HH:mm:ss}, from {state.StackFile}");
        var rows = new List<string[]> { new[] { "host", "lab address", "service", "ports", "health" } };
        foreach (var host in topology.Hosts)
        {
            var health = state.Tier == LabTier.Processes ? SupervisedHealth(net, host.Name) : null;
            var socket = state.ContainerHosts.FirstOrDefault(c => c.Name == host.Name)?.DockerSocket;
            foreach (var instance in topology.On(host.Name))
            {
                var said = health is not null ? health.GetValueOrDefault(ProgramOf(instance), "not listed by supervisorctl")
                    : socket is not null ? ContainerHealth(socket, instance.Name) : "no Docker engine";
                rows.Add([host.Name, state.Hosts.First(h => h.Name == host.Name).LabAddress, instance.Name, string.Join(",", instance.Ports), said]);
            }
        }

        WriteTable(rows);
        output($"front door: {state.FrontDoorUrl} {await Probe(state.FrontDoorUrl + spec.HealthCheckPath.TrimStart('/'))}");
    }

    /// <summary>Everything of the lab removed, found by its state file and by name: also what a crashed run left.</summary>
    public async Task<IReadOnlyList<string>> Down(bool quiet = false)
    {
        var state = LabState.Read();
        if (!quiet)
        {
            Say(state is null ? "no state file: removing whatever carries the lab's name" : $"taking down {state.Stack}");
        }

        var left = await LabSweep.Run(quiet ? _ => { } : Say);
        if (!quiet)
        {
            Say(left.Count == 0 ? "nothing of the lab is left: no namespace, process, mount, cgroup, link, sudoers file or folder" : $"could not remove: {string.Join("; ", left)}");
        }

        return left;
    }

    /// <summary>A progress line, stamped like the lab's own notes (time since this command started).</summary>
    private void Say(string line) => output($"[{_clock.Elapsed.TotalSeconds,6:F2} s] {line}");

    /// <summary>Each host of the spec at a lab address: the existing one, or a new namespace (for the container tier, ContainerLab adds them).</summary>
    private static List<HostMapping> Map(StackSpec spec, NetnsLab net, bool add, IReadOnlyList<string>? pending = null)
    {
        var hosts = spec.Hosts.Select(h => (h.Name, h.Address)).ToList();
        if (spec.LoadBalancer is { } lb)
        {
            hosts.Insert(0, (lb.Name, lb.Address));
        }

        // The lab's hosts get consecutive addresses from .11 in this order; pending ones are not made yet.
        var next = net.Snapshot().NextAddress;
        return hosts.Select(h =>
        {
            var existing = net.Hosts.FirstOrDefault(l => l.Name == h.Name);
            var address = existing?.Address ?? (add && TierOf(spec) == LabTier.Processes ? net.AddHost(h.Name).Address : $"{net.Network}.{next++}");
            return new HostMapping(h.Name, h.Address, address);
        }).ToList();
    }

    private void WriteHosts(IReadOnlyList<HostMapping> mappings, string? here)
    {
        Say("this machine never contacts the stack's addresses: each host runs at a lab address" + (here is null ? "" : $" (this machine is {here} on the lab's network, link {LabPlaces.Device})"));
        foreach (var m in mappings)
        {
            output($"    {m.Name,-16} {m.StackAddress,-16} -> {m.LabAddress}" + (TopologyResolver.IsLoopback(m.StackAddress) ? " (its services stay on 127.0.0.1 inside it)" : ""));
        }
    }

    /// <summary>The front door's URL from this machine: as the topology says, or forwarded when it listens on a host's loopback.</summary>
    private static string FrontDoorOf(NetnsLab net, StackTopology topology)
    {
        var door = topology.FrontDoor[0];
        return TopologyResolver.IsLoopback(door.Address)
            ? FrontDoorForward.Apply(net[door.Host], door.Port)
            : $"http://{Endpoints.Format(door.Address, door.Port)}/";
    }

    private static string Describe(LabTier tier) => tier == LabTier.Processes ? "processes under supervisord" : "containers";

    private async Task<LoadRun> StartLoad(NetnsLab net, LabHost from, string url, Action<LoadRun> started)
    {
        var run = net.StartLoad(from, url, count: 100_000_000, concurrency: 4, rate: 200, seconds: 3600, name: "apply-load-" + DateTime.Now.ToString("HHmmss", CultureInfo.InvariantCulture));
        started(run);
        await run.WaitForProgress(100, TimeSpan.FromSeconds(20));
        Say($"steady GETs on {url} from {from.Name} (200/s, 4 connections): {run.Completed} done before the change starts");
        return run;
    }

    /// <summary>supervisorctl status of a host, by program name (`app:app_9210`, `haproxy`): state and uptime.</summary>
    private static Dictionary<string, string> SupervisedHealth(NetnsLab net, string host)
    {
        var ctl = Path.Combine(net.RunDir, "hosts", host, FilePaths.SupervisorScript("supervisorctl"));
        var result = File.Exists(ctl) ? Shell.Run(ctl, "status") : null;
        return (result?.Stdout ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 2)
            .ToDictionary(f => f[0], f => string.Join(' ', f[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    private static string ProgramOf(Instance instance) => instance.Role switch
    {
        Role.App => $"app:app_{instance.Port}",
        Role.Crate => $"crate:crate_{instance.Port}",
        _ => TopologyResolver.RoleName(instance.Role),
    };

    private static string ContainerHealth(string socket, string name)
    {
        var result = LabDocker.Run(socket, ["inspect", "--format", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", name], timeout: TimeSpan.FromSeconds(10));
        return result.Ok ? result.Stdout.Trim() : "no container";
    }

    private static async Task<string> Probe(string url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await client.GetAsync(url);
            return $"(GET {new Uri(url).PathAndQuery} from this machine: {(int)response.StatusCode} in {clock.ElapsedMilliseconds} ms)";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return $"(GET from this machine: no answer: {e.Message})";
        }
    }

    private void WriteTable(IReadOnlyList<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            output("    " + string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))));
        }
    }
}
