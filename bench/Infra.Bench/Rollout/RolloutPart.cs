using System.Globalization;
using System.Text;
using Infra.Bench.Growth;
using Infra.Lab.Containers;
using Infra.Topology;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Bench.Rollout;

/// <summary>
/// How long a deployment takes as the stack grows, in waves and one at a time: the critical path of a first deploy and
/// of an app release (steps, ready waits in series) for generated colocated and split-role stacks, and an estimate of
/// their wall time from step durations measured here, in the container lab: a small stack deployed and released over
/// SSH, each step timed by kind. Writes rollout.md.
/// </summary>
public static class RolloutPart
{
    /// <summary>`pulumi up --parallel`'s default on an operator's 8-core machine: four per CPU.</summary>
    private const int PulumiDefaultParallel = 32;

    public static int Run(string outDir)
    {
        var measured = Measure().GetAwaiter().GetResult();
        var rows = new List<string>();
        foreach (var (name, yaml) in Stacks())
        {
            foreach (var maxUnavailable in new[] { "1", RolloutSpec.DefaultMaxUnavailable })
            {
                var text = yaml + $"  microblog:rollout:\n    maxUnavailable: \"{maxUnavailable}\"\n";
                var before = Plan(text, name);
                var after = Plan(text.Replace("app:1.0.0", "app:1.1.0", StringComparison.Ordinal), name);
                var deploy = Figures(after, _ => true, measured);
                var changed = PlanChanges.Compare(before, after).Where(c => c.Change is StepChangeKind.Run or StepChangeKind.Replace or StepChangeKind.Create).Select(c => c.Step.Id).ToHashSet();
                var release = Figures(after, s => changed.Contains(s.Id), measured);
                var appWaves = after.Steps.Count(s => s.Id.StartsWith("app-wave-", StringComparison.Ordinal) || s.Id == "app-wave-1");
                var waves = TopologyWaves(text, name, Role.App);
                rows.Add($"| {name} | {(maxUnavailable == "1" ? "one at a time" : maxUnavailable)} | {after.Steps.Count:N0} | {deploy} | {waves} | {release} |");
                Console.WriteLine(rows[^1]);
            }
        }

        var md = new StringBuilder();
        md.AppendLine("## 4. Rollout: waves and one at a time, 10 to 1,000 hosts");
        md.AppendLine();
        md.AppendLine("`bench/run rollout`: for each stack, the longest chain of steps that wait on each other (critical path: steps, and ready");
        md.AppendLine("waits in series, i.e. a new or replaced container waited for until healthy, in all and in the stateless tiers) of a first deploy and of an app release");
        md.AppendLine("(a new app image), with `microblog:rollout.maxUnavailable` at 1 (one at a time, as before waves) and at its default.");
        md.AppendLine($"Wall time is estimated from the step durations measured below: along the critical path (however many steps run side by side),");
        md.AppendLine($"and as `pulumi up` runs it with its default `--parallel` on an 8-core machine ({PulumiDefaultParallel} at once; `--parallel` or `PULUMI_PARALLEL`");
        md.AppendLine("raise it). The split-role stacks have a quarter of their hosts as proxies, half as app hosts, a quarter as CrateDB hosts.");
        md.AppendLine();
        md.AppendLine("| stack | rollout | steps | first deploy: path steps / ready waits (stateless) / est. critical / est. at --parallel 32 | app waves | app release: path steps / ready waits (stateless) / est. critical / est. at --parallel 32 |");
        md.AppendLine("|---|---|---:|---|---:|---|");
        foreach (var row in rows)
        {
            md.AppendLine(row);
        }

        md.AppendLine();
        md.AppendLine("Step durations measured in the container lab (two-host with four apps, over SSH, stand-in images; median of each kind, seconds):");
        md.AppendLine();
        md.AppendLine("| step | median s | samples |");
        md.AppendLine("|---|---:|---:|");
        foreach (var (kind, seconds) in measured.Seconds.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            md.AppendLine($"| {kind} | {seconds:F2} | {measured.Samples[kind]} |");
        }

        md.AppendLine();
        md.AppendLine($"A kind not measured there (a CrateDB node's graceful stop on a real node, its join) counts {Measured.Fallback:F1} s: real CrateDB nodes take far longer to start than the double.");
        File.WriteAllText(Path.Combine(outDir, "rollout.md"), md.ToString());
        return 0;
    }

    /// <summary>Generated stacks: colocated 10, 100 and 1,000 hosts, split-role 100 and 1,000.</summary>
    private static IEnumerable<(string Name, string Yaml)> Stacks()
    {
        foreach (var n in new[] { 10, 100, 1000 })
        {
            yield return (ColocatedStack.Name(n), ColocatedStack.Yaml(n));
        }

        foreach (var n in new[] { 100, 1000 })
        {
            yield return ($"split-role-{n}", SplitRole(n));
        }
    }

    private static string SplitRole(int hosts)
    {
        var text = new StringBuilder("config:\n  microblog:layout: split-role\n  microblog:images:\n    app: registry.example.com/microblog/app:1.0.0\n");
        text.Append("  microblog:loadBalancer:\n    name: front\n    address: 198.51.100.10\n  microblog:hosts:\n");
        for (var i = 0; i < hosts; i++)
        {
            var role = i < hosts / 4 ? "proxy" : i < hosts * 3 / 4 ? "app" : "crate";
            text.Append(CultureInfo.InvariantCulture, $"    - name: {role}-{i + 1}\n      address: 10.{1 + i / 62500}.{i / 250 % 250}.{i % 250 + 1}\n      roles: [{role}]\n");
        }

        return text.ToString();
    }

    private static DeploymentPlan Plan(string yaml, string name) => Planner.Plan(TopologyResolver.Resolve(Load(yaml, name)));

    private static StackSpec Load(string yaml, string name)
    {
        var loaded = SpecLoader.LoadYaml(yaml, $"stacks/Pulumi.{name}.yaml", name);
        return loaded.Spec ?? throw new InvalidOperationException(string.Join("\n", loaded.Errors));
    }

    private static int TopologyWaves(string yaml, string name, Role role)
    {
        var topology = TopologyResolver.Resolve(Load(yaml, name));
        return StepGraph.Waves(topology, Planner.Plan(topology).Hosts).Count(w => w.Role == role);
    }

    private static string Figures(DeploymentPlan plan, Func<Step, bool> runs, Measured measured)
    {
        var path = CriticalPath.Of(plan.Steps, runs, measured.Of);
        var simulated = CriticalPath.Simulate(plan.Steps, runs, measured.Of, PulumiDefaultParallel);
        var data = plan.Services.Where(s => s.Role == Role.Crate).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        return $"{path.Steps.Count:N0} / {path.ReadyWaits:N0} ({path.StatelessReadyWaits(s => s.Service is { } service && data.Contains(service)):N0}) / {Duration(path.Seconds)} / {Duration(simulated)}";
    }

    private static string Duration(double seconds) =>
        seconds < 120 ? $"{seconds:F0} s" : seconds < 7200 ? $"{seconds / 60:F1} min" : $"{seconds / 3600:F1} h";

    /// <summary>Median seconds per kind of step, from a lab run.</summary>
    private sealed record Measured(IReadOnlyDictionary<string, double> Seconds, IReadOnlyDictionary<string, int> Samples)
    {
        public const double Fallback = 5;

        public double Of(Step step) => Seconds.TryGetValue(KindOf(step), out var s) ? s : Seconds.GetValueOrDefault(GeneralKind(step), Fallback);
    }

    /// <summary>A step's kind for timing: containers, ready waits and restarts by role (a CrateDB node starts slower than nginx), commands by purpose.</summary>
    private static string KindOf(Step step) => step switch
    {
        ContainerStep container => $"container {RoleOf(container.Spec)}",
        CommandStep { Purpose: CommandPurpose.Ready or CommandPurpose.Restart } command => $"{command.Purpose.ToString().ToLowerInvariant()} {RoleOfService(command.Service)}",
        _ => GeneralKind(step),
    };

    private static string GeneralKind(Step step) => step switch
    {
        CommandStep command => $"command {command.Purpose.ToString().ToLowerInvariant()}",
        _ => step.Kind.ToString().ToLowerInvariant(),
    };

    private static string RoleOf(ContainerSpec spec) => spec.Labels.First(l => l.Key == "microblog.role").Value.ToLowerInvariant();

    private static string RoleOfService(string? service) => service switch
    {
        null => "",
        _ when service.Contains("-crate-", StringComparison.Ordinal) => "crate",
        _ when service.Contains("-app-", StringComparison.Ordinal) => "app",
        _ when service.EndsWith("-haproxy", StringComparison.Ordinal) => "haproxy",
        _ when service.EndsWith("-nginx", StringComparison.Ordinal) => "nginx",
        _ when service.EndsWith("-lb", StringComparison.Ordinal) => "loadbalancer",
        _ => "other",
    };

    /// <summary>two-host with two apps a host, deployed and given a new app image in the container lab, every step timed.</summary>
    private static async Task<Measured> Measure()
    {
        var yaml = File.ReadAllText(Path.Combine(Live.Repo.Root(), "stacks", "Pulumi.two-host.yaml"))
            .Replace("      address: 192.0.2.12\n", "      address: 192.0.2.12\n      instances:\n        app: 2\n", StringComparison.Ordinal);
        var spec = Load(yaml, "two-host");
        var samples = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        await using var lab = await ContainerLab.Create(Console.WriteLine, ContainerStack.HostNames(spec), ImageNames.Of(spec));
        var stack = ContainerStack.Deploy(lab, spec, out var first);
        Record(stack.Plan, first, samples);
        foreach (var host in lab.Hosts)
        {
            lab.Docker(host, "tag", "registry.example.com/microblog/app:1.0.0", "registry.example.com/microblog/app:1.1.0");
        }

        var released = stack.Apply(Load(yaml.Replace("app:1.0.0", "app:1.1.0", StringComparison.Ordinal), "two-host"));
        Record(stack.Plan, released, samples);
        var leaks = await lab.Teardown();
        if (leaks.Count > 0)
        {
            throw new InvalidOperationException("the lab left: " + string.Join("; ", leaks));
        }

        return new Measured(
            samples.ToDictionary(s => s.Key, s => s.Value.Order().ElementAt(s.Value.Count / 2), StringComparer.Ordinal),
            samples.ToDictionary(s => s.Key, s => s.Value.Count, StringComparer.Ordinal));
    }

    private static void Record(DeploymentPlan plan, IReadOnlyList<StepRun> runs, Dictionary<string, List<double>> samples)
    {
        foreach (var run in runs.Where(r => r.Change is not (StepChangeKind.Delete or StepChangeKind.Retire)))
        {
            var kind = KindOf(plan.Step(run.Id));
            if (!samples.TryGetValue(kind, out var list))
            {
                samples[kind] = list = [];
            }

            list.Add(run.Took.TotalSeconds);
        }
    }
}
