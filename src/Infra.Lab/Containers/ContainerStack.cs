using Infra.Topology;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Lab.Containers;

/// <summary>
/// A stack deployed as containers on a container lab, step by step from its plan: each host of the stack file is the
/// lab host of its name at a lab address (localhost stacks keep 127.0.0.1 inside their host), and the operators'
/// network (adminSources) is the outside namespace, where the runner's SSH and Docker commands come from.
/// </summary>
public sealed class ContainerStack
{
    private readonly PlanRunner _runner;

    private ContainerStack(ContainerLab lab, bool local)
    {
        Lab = lab;
        Local = local;
        _runner = new PlanRunner(new LabDeployTarget(lab) { IsLocalStack = local }, lab.Net.Note);
    }

    public ContainerLab Lab { get; }

    public bool Local { get; }

    public StackTopology Topology { get; private set; } = null!;

    public DeploymentPlan Plan => _runner.Applied!;

    /// <summary>What the hosts run, step by step, as Pulumi's state would record it (after a failed update: part old, part new).</summary>
    public RunnerState State => _runner.State;

    /// <summary>Every host name a spec needs, the load balancer first.</summary>
    public static IReadOnlyList<string> HostNames(StackSpec spec) =>
        (spec.LoadBalancer is { } lb ? [lb.Name] : Array.Empty<string>()).Concat(spec.Hosts.Select(h => h.Name))
            .Concat(spec.Monitoring?.OwnHost is { } monitoring ? [monitoring.Name] : []).ToList();

    public static ContainerStack Deploy(ContainerLab lab, StackSpec spec, out IReadOnlyList<StepRun> runs)
    {
        var stack = new ContainerStack(lab, spec.Hosts.All(h => TopologyResolver.IsLoopback(h.Address)));
        runs = stack.Apply(spec);
        return stack;
    }

    /// <summary>
    /// A stack an earlier process deployed on this lab from <paramref name="applied"/>: the next <see cref="Apply"/> runs only
    /// the change. <paramref name="state"/>: what the hosts run when that process's last update failed part way.
    /// </summary>
    public static ContainerStack Attach(ContainerLab lab, StackSpec applied, RunnerState? state = null)
    {
        var stack = new ContainerStack(lab, applied.Hosts.All(h => TopologyResolver.IsLoopback(h.Address))) { Topology = Place(lab, applied) };
        var plan = Planner.Plan(stack.Topology);
        stack._runner.Resume(state ?? new RunnerState(plan.Steps.ToList(), []), plan);
        return stack;
    }

    /// <summary>The plan of a spec on this lab, as <see cref="Apply"/> would run it.</summary>
    public static DeploymentPlan PlanOn(ContainerLab lab, StackSpec spec) => Planner.Plan(Place(lab, spec));

    /// <summary>The spec on the lab: each host at its lab address, the outside namespace as the operators' network.</summary>
    public static StackTopology Place(ContainerLab lab, StackSpec spec)
    {
        var addresses = HostNames(spec).ToDictionary(name => name, name => lab[name].Address, StringComparer.Ordinal);
        return TopologyResolver.Resolve(LabStack.WithLabAddresses(spec, addresses) with { AdminSources = [lab.Net.Outside.Address] });
    }

    /// <summary>Plans the spec on the lab and runs what changed since the last plan, in the plan's order.</summary>
    public IReadOnlyList<StepRun> Apply(StackSpec spec)
    {
        Topology = Place(Lab, spec);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var runs = _runner.Apply(Planner.Plan(Topology));
        Lab.Net.Note($"{spec.Stack}: {runs.Count} steps in {clock.Elapsed.TotalSeconds:F1} s");
        return runs;
    }

    /// <summary>`pulumi destroy`: every step the stack runs deleted in Pulumi's order, each with its stored delete script (<see cref="PlanRunner.Destroy"/>).</summary>
    public IReadOnlyList<StepRun> Destroy()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var runs = _runner.Destroy();
        Lab.Net.Note($"{Topology.Spec.Stack}: destroyed, {runs.Count} steps in {clock.Elapsed.TotalSeconds:F1} s");
        return runs;
    }

    /// <summary>Where clients stand: the outside, or the host itself for a localhost stack.</summary>
    public LabHost Client => Local ? Lab.Hosts[0].Lab : Lab.Net.Outside;

    public string FrontDoorUrl(string path = "/") => $"http://{Endpoints(Topology.FrontDoor[0])}{path}";

    public ContainerHost HostOf(string service) => Lab[Topology.Instance(service).Host];

    /// <summary>docker inspect of a service's container on its host: id, health, image.</summary>
    public (string Id, string Health, string Image) Inspect(string service)
    {
        var result = Lab.Docker(HostOf(service), "inspect", "--format", "{{.Id}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.Config.Image}}", service);
        if (!result.Ok)
        {
            return ("", "absent", "");
        }

        var parts = result.Stdout.Trim().Split(' ');
        return (parts[0], parts[1], parts[2]);
    }

    private static string Endpoints(Instance door) => Infra.Topology.Configs.Endpoints.Format(door.Address, door.Port);
}
