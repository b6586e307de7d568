using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Infra.Components;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Planning;

/// <summary>
/// One topology as its components build it: the core's plan of the args, the outputs its placeholders stand for,
/// the resource name of each step, and the scope whose steps wait for each other. Made once by the outermost
/// component (the topology, or a host or service made alone) and shared with the components under it.
/// </summary>
internal sealed partial class TopologyPlan
{
    private readonly PlanValues _triggers;

    private TopologyPlan(string root, DeploymentPlan plan, ArgsConfig config, Input<string>? password, Func<Step, bool> inScope)
    {
        Root = root;
        Plan = plan;
        Values = config.Values;
        Deferred = config.Deferred.ToDictionary(d => d.Key, StringComparer.Ordinal);
        PrivateKeys = config.PrivateKeys;
        Password = password?.ToOutput();
        Scope = new StepScope(plan.Steps.Where(inScope).Select(s => s.Id));
        _triggers = new PlanValues(plan);
    }

    /// <summary>The name of the outermost component: every resource of the tree is named after it.</summary>
    public string Root { get; }

    public DeploymentPlan Plan { get; }

    public StepScope Scope { get; }

    public IReadOnlyDictionary<string, Output<string>> Values { get; }

    public IReadOnlyDictionary<string, DeferredValue> Deferred { get; }

    public IReadOnlyDictionary<string, Input<string>> PrivateKeys { get; }

    public Output<string>? Password { get; }

    /// <summary>
    /// The topology component when this tree has one (not for a service component made alone): what a step skipped on
    /// destroy is deleted with, since a destroy deletes it and an update never does.
    /// </summary>
    public Resource? TopologyComponent { get; set; }

    /// <summary>A step's or a component's resource name: the root's name, then its id in the plan.</summary>
    public string NameOf(string planId) => $"{Root}-{planId}";

    /// <summary>
    /// The core's plan of <paramref name="args"/>, every problem at once as the error of the run (before anything is
    /// registered), warnings logged. <paramref name="inScope"/> picks the steps the component tree makes.
    /// </summary>
    public static TopologyPlan Make(string component, string type, TopologyArgs args, Func<Step, bool>? inScope = null)
    {
        var label = $"{type} {component}";
        var source = args.Source ?? label;
        var stack = args.Stack ?? component;
        var config = ArgsConfig.From(args, label);
        var problems = config.Problems.Select(p => $"{source}: error: {p}").ToList();
        if (!StackNamePattern().IsMatch(stack))
        {
            problems.Add($"{source}: error: \"{stack}\" cannot name the topology's config folder on its hosts: set TopologyArgs.Stack to letters, digits, '.', '_' and '-'");
        }

        var result = SpecLoader.LoadPulumiConfig(config.Config, stack, source, config.Deferred);
        if (result.Warnings.Any())
        {
            Log.Warn(string.Join("\n", result.Warnings));
        }

        problems.AddRange(result.Errors.Select(e => e.ToString()));
        if (result.Spec is { } spec && spec.Hosts.Any(h => h.CrateNodes > 0))
        {
            if (args.CratePassword is null)
            {
                problems.Add($"{source}: error: {Secrets.CratePasswordKey}: not set: the apps connect to CrateDB with it; give TopologyArgs.CratePassword (a secret)");
            }
            else if (InputValues.TryPeek(args.CratePassword, out var password) && Secrets.CheckPassword(password) is { } problem)
            {
                problems.Add($"{source}: error: {problem}");
            }
        }

        if (result.Spec is not { } valid || problems.Count > 0)
        {
            throw new RunException(string.Join("\n", problems));
        }

        var plan = Planner.Plan(TopologyResolver.Resolve(valid));
        return new TopologyPlan(component, plan, config, args.CratePassword, inScope ?? (_ => true));
    }

    /// <summary>
    /// <paramref name="text"/> with its placeholders filled: as it is when it has none, else an output of the values it
    /// names (each checked against its grammar when it arrives), secret when it carries a secret.
    /// </summary>
    public Input<string> Fill(string text)
    {
        var keys = Topology.Spec.Deferred.KeysIn(text);
        var secrets = Secrets.KeysIn(text);
        if (keys.Count == 0 && secrets.Count == 0)
        {
            return text;
        }

        var filled = Output.All(keys.Select(Checked)).Apply(values => Topology.Spec.Deferred.Fill(text, keys.Zip(values).ToDictionary(p => p.First, p => p.Second)));
        if (secrets.Count == 0)
        {
            return filled;
        }

        // The only secret of a plan: the CrateDB password.
        var password = secrets.Single() == Secrets.CratePasswordKey && Password is { } given
            ? given.Apply(CheckedPassword)
            : throw new InvalidOperationException(Secrets.NotRead(Root, secrets[0]));
        return Output.Tuple(filled, password).Apply(t => Output.CreateSecret(Secrets.Fill(t.Item1, new Dictionary<string, string> { [Secrets.CratePasswordKey] = t.Item2 })));
    }

    /// <summary>A trigger as it is once the values are known (see <see cref="PlanValues"/>).</summary>
    public Input<string> Trigger(string trigger)
    {
        // A container's id: the Container resource's id, so a step that carries it follows the container's replacements.
        if (ContainerIds.In(trigger) is [var container] && Scope.Resource(container) is { } made)
        {
            return made.Apply(resource => ((CustomResource)resource).Id).Apply(id => ContainerIds.Fill(trigger, _ => id));
        }

        var keys = _triggers.KeysOf(trigger);
        return keys.Count == 0
            ? trigger
            : Output.All(keys.Select(Checked)).Apply(values => _triggers.Fill(trigger, keys.Zip(values).ToDictionary(p => p.First, p => p.Second)));
    }

    /// <summary>Whether <paramref name="text"/> carries a secret once filled.</summary>
    public static bool CarriesSecret(string? text) => Secrets.KeysIn(text).Count > 0;

    private Output<string> Checked(string key) =>
        Values.TryGetValue(key, out var value)
            ? value.Apply(v => Topology.Spec.Deferred.Check(Deferred[key], v) is { } problem ? throw new RunException($"{Root}: {problem}") : v)
            : throw new InvalidOperationException($"{Root}: no value bound to {key}");

    private string CheckedPassword(string value) =>
        Secrets.CheckPassword(value) is { } problem ? throw new RunException($"{Root}: {problem}") : value;

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex StackNamePattern();
}
