using System.Text.Json;
using System.Text.Json.Serialization;
using Infra.Lab.Containers;
using Infra.Topology.Plan;

namespace Infra.Lab.Session;

/// <summary>How a stack runs in the lab: the process-managed layouts under their rendered supervisord, the others as containers.</summary>
public enum LabTier
{
    Processes,
    Containers,
}

/// <summary>Where `infra lab` keeps its one lab: names, folder, network, and the link from this machine.</summary>
public static class LabPlaces
{
    /// <summary>Every namespace, cgroup and file of the lab carries this name; a sweep by it finds what a crashed run left.</summary>
    public const string Name = DeployAccess.KeptLabName;

    /// <summary>The run folder: the state file, each host's files and logs, the deploy key.</summary>
    public const string Dir = "/var/lib/microblog-lab";

    /// <summary>A /24 no test lab uses (they take 10.231.0.0/24 behind their own bridges): this machine's end of the link is .1.</summary>
    public const string Network = "10.232.0";

    /// <summary>This machine's end of the veth to the lab's switch.</summary>
    public const string Device = Name + "0";

    public static readonly LabPlace Place = new(Name + "-", Dir, Network);

    public static string StateFile => Path.Combine(Dir, "state.json");
}

/// <summary>
/// What runs in the lab, kept between commands (`up`, then `apply`, `status`, `down` in processes of their own): the
/// stack and the stack file text last applied (so `apply` computes the change with the plan), the namespaces, the
/// container hosts, and how far the last command got (<see cref="Phase"/>: a run that died leaves `starting` or `applying`).
/// </summary>
public sealed record LabState(
    string Stack,
    string StackFile,
    string AppliedYaml,
    LabTier Tier,
    string Phase,
    int Pid,
    DateTimeOffset Since,
    NetnsSnapshot Network,
    IReadOnlyList<ContainerHost> ContainerHosts,
    IReadOnlyList<HostMapping> Hosts,
    string FrontDoorUrl)
{
    public const string Starting = "starting";
    public const string Applying = "applying";
    public const string Up = "up";

    /// <summary>
    /// Set when the last `apply` failed part way: what the hosts run (what succeeded is new, the rest old), to take up from
    /// as a second `pulumi up` does; and the failure. <see cref="AppliedYaml"/> stays the stack file last applied in full.
    /// </summary>
    public UnfinishedApply? Unfinished { get; init; }

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static LabState? Read() =>
        File.Exists(LabPlaces.StateFile) ? JsonSerializer.Deserialize<LabState>(File.ReadAllText(LabPlaces.StateFile), Options) : null;

    /// <summary>Written to a temp file and renamed: a crash never leaves half a state file.</summary>
    public void Write()
    {
        Directory.CreateDirectory(LabPlaces.Dir);
        var temp = LabPlaces.StateFile + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Options));
        File.Move(temp, LabPlaces.StateFile, overwrite: true);
    }

    /// <summary>The command that wrote a phase other than `up` is gone: it crashed or was stopped midway.</summary>
    public bool Abandoned => Phase != Up && !Directory.Exists("/proc/" + Pid);
}

/// <summary>
/// An apply that failed part way, kept so the next one takes up from it: each step the hosts run, by id, with the stack file
/// whose plan it came from (<see cref="Yamls"/>: plans are deterministic, so a step is its stack file's and its id); the
/// old versions of replaced steps not deleted yet; and what failed.
/// </summary>
public sealed record UnfinishedApply(IReadOnlyList<string> Yamls, IReadOnlyList<StepFrom> Steps, IReadOnlyList<StepFrom> Pending, string Failure)
{
    /// <summary>The runner's state after a failure, each step by id and the first stack file whose plan has that very version.</summary>
    public static UnfinishedApply Of(RunnerState state, IReadOnlyList<string> yamls, Func<string, DeploymentPlan> planOf, string failure)
    {
        var plans = yamls.Select(planOf).ToList();
        StepFrom From(Step step) =>
            new(step.Id, plans.FindIndex(p => p.Steps.Any(s => s == step)) is var at and >= 0 ? at : throw new InvalidOperationException($"{step.Id}: no stack file's plan has the version the hosts run"));
        return new UnfinishedApply(yamls, state.Steps.Select(From).ToList(), state.Pending.Select(From).ToList(), failure);
    }

    /// <summary>The state again, each step planned anew from its stack file (plans are deterministic).</summary>
    public RunnerState Restore(Func<string, DeploymentPlan> planOf)
    {
        var plans = Yamls.Select(planOf).ToList();
        Step Of(StepFrom step) => plans[step.From].Step(step.Id);
        return new RunnerState(Steps.Select(Of).ToList(), Pending.Select(Of).ToList());
    }
}

/// <summary>A step of the plan of stack file number <paramref name="From"/>.</summary>
public sealed record StepFrom(string Id, int From);

/// <summary>A host of the stack file and the lab address it runs at; a localhost stack's services stay on 127.0.0.1 inside it.</summary>
public sealed record HostMapping(string Name, string StackAddress, string LabAddress);
