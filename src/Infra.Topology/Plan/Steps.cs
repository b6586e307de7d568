namespace Infra.Topology.Plan;

/// <summary>What a step is, and so which resource the Pulumi layer makes of it.</summary>
public enum StepKind
{
    /// <summary>A host's Docker engine (a Docker provider).</summary>
    Engine,

    /// <summary>A shell command on a host over SSH, or on the operator's machine (a Command resource).</summary>
    Command,

    /// <summary>An image pulled on a host (a RemoteImage).</summary>
    Image,

    /// <summary>A named Docker volume that outlives its container (a Volume).</summary>
    Volume,

    /// <summary>A container (a Container).</summary>
    Container,
}

/// <summary>What a command is for: it decides how `infra plan` and `infra diff` describe it running again.</summary>
public enum CommandPurpose
{
    /// <summary>Host preparation: config folder, kernel settings.</summary>
    Prepare,

    /// <summary>A file written on the host (its content on stdin).</summary>
    WriteFile,

    /// <summary>
    /// The host's firewall: created, it adds what the plan newly wires (the whole ruleset on a host without one); its delete,
    /// run at the end of an update that replaced it, loads the whole new ruleset, withdrawing what is no longer wired.
    /// </summary>
    ApplyFirewall,

    /// <summary>Runs nothing: a point of the graph (every container waits for it; it waits for every firewall).</summary>
    Gate,

    /// <summary>Checks something an operator provides on the host (a TLS certificate) before a container mounts it.</summary>
    Preflight,

    /// <summary>A signal that makes a service re-read its config without dropping a request.</summary>
    Reload,

    /// <summary>A restart that waits until the service is healthy again.</summary>
    Restart,

    /// <summary>
    /// Waits until a new or replaced container is healthy (and a CrateDB node is in the cluster, allocation restored, green).
    /// A CrateDB node's is replaced with its container: its delete, run before the container goes, stops the node gracefully
    /// (allocation limited to new primaries, `ALTER CLUSTER DECOMMISSION`).
    /// </summary>
    Ready,

    /// <summary>A post-update check; a failing one fails the update.</summary>
    Check,

    /// <summary>Creates or updates a database user and its privileges (its password on stdin, as a secret).</summary>
    Credentials,

    /// <summary>Runs nothing while its node is in the stack; its delete script decommissions the node when it leaves.</summary>
    Decommission,

    /// <summary>
    /// Runs nothing while the stack exists; a destroy deletes it before anything else (it waits for every other step), and
    /// its delete script refuses unless the stack allowed its destroy (`microblog:destroy.allowed`) at its last update.
    /// </summary>
    DestroyGuard,
}

/// <summary>Where a command runs over SSH: the host's address and the stack's SSH user and port (the operator's ssh-agent holds the key).</summary>
public sealed record SshTarget(string Address, string User, int Port);

/// <summary>
/// One step of a deployment: a resource under Pulumi, one action of the lab's plan runner. <see cref="Id"/> is the
/// resource name (stable: a renamed step is a replaced resource); <see cref="After"/> lists the steps it waits for.
/// </summary>
public abstract record Step(string Id, string? Host, string? Service, string Why)
{
    public abstract StepKind Kind { get; }

    public EquatableArray<string> After { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Ids earlier releases gave this step: its resource answers to them (aliases), so the move replaces nothing.</summary>
    public EquatableArray<string> FormerIds { get; init; } = EquatableArray<string>.Empty;

    /// <summary>What the step's resource depends on under Pulumi: the steps it waits for, and for a Docker resource its engine (its provider) and image (an input).</summary>
    public virtual IEnumerable<string> DependsOn => After;
}

/// <summary>The host's Docker engine at <paramref name="Endpoint"/> (ssh://user@host, or the local socket).</summary>
public sealed record EngineStep(string Id, string Host, string Endpoint)
    : Step(Id, Host, null, "every image, volume and container of the host goes through its Docker engine")
{
    public override StepKind Kind => StepKind.Engine;
}

/// <summary>
/// A shell command: <paramref name="Script"/> exactly as it runs (sudo included), over SSH when <paramref name="Ssh"/>
/// is set, else on the operator's machine. It runs when created and again whenever its script, stdin or triggers change;
/// an empty script runs nothing (a step that only has a <see cref="Delete"/> script).
/// </summary>
public sealed record CommandStep(string Id, string? Host, string? Service, string Why, CommandPurpose Purpose, SshTarget? Ssh, string Script)
    : Step(Id, Host, Service, Why)
{
    public override StepKind Kind => StepKind.Command;

    /// <summary>What the command reads on stdin; a secret appears as its placeholder (see <see cref="Spec.Secrets"/>).</summary>
    public string? Stdin { get; init; }

    /// <summary>The secrets whose placeholders <see cref="Stdin"/> carries: the runner fills them in and keeps the result secret.</summary>
    public IReadOnlyList<string> SecretKeys => Spec.Secrets.KeysIn(Stdin);

    /// <summary>
    /// What runs when the step leaves the plan (Pulumi: the Command's delete, run at the end of the update, a resource
    /// before the resources it waits for). Pulumi runs the delete script it stored, that of the last plan applied.
    /// </summary>
    public string? Delete { get; init; }

    /// <summary>
    /// Values whose change replaces the step (Pulumi: its `triggers`, which pulumi-command marks replaceOnChanges): its
    /// create runs again, and its delete script, if any, runs at the end of the update on the old version. Only where a
    /// replacement is real: a firewall's two versions, and a CrateDB node's ready step, whose trigger is its container's id.
    /// </summary>
    public EquatableArray<string> Triggers { get; init; } = EquatableArray<string>.Empty;

    /// <summary>
    /// Values whose change runs the step again as an update, not a replacement (a file's hash for its reload, a
    /// container's id for its ready wait). They travel on its stdin after <see cref="Stdin"/>, one per line
    /// (<see cref="StdinSent"/>), which the script does not read: a changed stdin is an update in pulumi-command.
    /// </summary>
    public EquatableArray<string> RunsAgainWhen { get; init; } = EquatableArray<string>.Empty;

    /// <summary>What the command gets on its stdin: <see cref="Stdin"/>, then each <see cref="RunsAgainWhen"/> value on a line.</summary>
    public string? StdinSent => Sent(Stdin, RunsAgainWhen);

    /// <summary><see cref="StdinSent"/> of a stdin and values as they are once filled in (under Pulumi, from outputs).</summary>
    public static string? Sent(string? stdin, IEnumerable<string> runsAgainWhen)
    {
        var marks = string.Concat(runsAgainWhen.Select(v => v + "\n"));
        return stdin is null && marks.Length == 0 ? null : (stdin ?? "") + marks;
    }

    /// <summary>
    /// What runs when the step changed but its <see cref="Triggers"/> did not, as after a new release of this tool that
    /// words the script differently (Pulumi: the Command's update; without one it runs its create script again). Only
    /// a step that must not run again unless its triggers change has one.
    /// </summary>
    public string? Update { get; init; }

    /// <summary>
    /// Its delete runs when the step leaves a topology that stays, and not when the whole topology goes (Pulumi's
    /// `deletedWith` the topology: a destroy deletes the topology, an update never does): a node decommissioned when it
    /// leaves, not when its whole cluster goes.
    /// </summary>
    public bool SkippedOnDestroy { get; init; }

    /// <summary>For <see cref="CommandPurpose.WriteFile"/>: the file it writes; for <see cref="CommandPurpose.ApplyFirewall"/>: the ruleset it loads.</summary>
    public PlacedFile? File { get; init; }
}

/// <summary>An image pulled through the host's engine and kept when nothing uses it any more.</summary>
public sealed record ImageStep(string Id, string Host, string Engine, string Image)
    : Step(Id, Host, null, "the host pulls each image it runs once")
{
    public override StepKind Kind => StepKind.Image;

    public override IEnumerable<string> DependsOn => After.Append(Engine);

    public bool KeepLocally => true;
}

/// <summary>A named volume; it is kept when its container or the stack goes, so no data goes with them, unless the stack says otherwise.</summary>
public sealed record VolumeStep(string Id, string Host, string Service, string Engine, string Name)
    : Step(Id, Host, Service, "the node's data outlives its container: an image change replaces the container, not the data")
{
    public override StepKind Kind => StepKind.Volume;

    public override IEnumerable<string> DependsOn => After.Append(Engine);

    /// <summary>Kept when the step goes (the default), or dropped with its data: `microblog:destroy.volumes: delete`.</summary>
    public bool RetainOnDelete { get; init; } = true;
}

/// <summary>A container as <paramref name="Spec"/> describes it, from the image <paramref name="ImageStep"/> pulls.</summary>
public sealed record ContainerStep(string Id, string Host, string Service, string Why, string Engine, string ImageStep, ContainerSpec Spec)
    : Step(Id, Host, Service, Why)
{
    public override StepKind Kind => StepKind.Container;

    public override IEnumerable<string> DependsOn => After.Append(Engine).Append(ImageStep);

    /// <summary>
    /// The container's id, known once it is created (Pulumi: the Container's id; the lab: what its engine says): a step
    /// whose triggers carry it is replaced whenever the container is, deleted before it and created after it.
    /// </summary>
    public string IdPlaceholder => ContainerIds.Placeholder(Id);

    /// <summary>Host networking and a fixed name: the old container must be gone before its replacement binds the same ports.</summary>
    public bool DeleteBeforeReplace => true;

    /// <summary>
    /// How long a container that goes may take to stop on its image's stop signal (nginx: SIGQUIT, haproxy: SIGUSR1, both
    /// finish what they serve) before it is killed: the in-flight requests of a server that no longer gets new ones.
    /// </summary>
    public int StopGraceSeconds => 30;
}

/// <summary>Placeholders of containers' ids, which only a deployment knows (<see cref="ContainerStep.IdPlaceholder"/>).</summary>
public static partial class ContainerIds
{
    public static string Placeholder(string containerStep) => $"{{{{container-id {containerStep}}}}}";

    /// <summary>The container steps whose id <paramref name="text"/> carries.</summary>
    public static IReadOnlyList<string> In(string text) => Pattern().Matches(text).Select(m => m.Groups["step"].Value).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Every id placeholder in <paramref name="text"/> replaced by the id <paramref name="idOf"/> gives for its step.</summary>
    public static string Fill(string text, Func<string, string> idOf) => Pattern().Replace(text, m => idOf(m.Groups["step"].Value));

    [System.Text.RegularExpressions.GeneratedRegex(@"\{\{container-id (?<step>[A-Za-z0-9][A-Za-z0-9._-]*)\}\}")]
    private static partial System.Text.RegularExpressions.Regex Pattern();
}
