using System.CommandLine;
using System.Globalization;
using Infra.Cli.Output;
using Infra.Cli.Stacks;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Cli.Commands;

/// <summary>`infra plan STACK`: every step `pulumi up` takes for the stack, in order, with what it runs and waits for.</summary>
public static class PlanCommand
{
    public const string Epilog = """
        Each step is one Pulumi resource, named as in `pulumi preview`: the Docker engine of a host, a command over
        SSH (or on this machine for localhost stacks and the front-door check), an image pull, a volume, a container.
        A step starts once every step it waits for is done; steps that wait for nothing in common run side by side.
        A command runs again (an update) when its script, its input or what makes it run again (content hashes, container
        specs, on its stdin) changes, and is replaced when its triggers change (a firewall, a CrateDB node's stop); a
        container is replaced when its spec changes. --scripts prints each command's shell text and each container's spec.

        --from OLD states what deploying STACK over OLD (the stack as deployed) does to access (what each host's firewall
        opens before any container starts, and what it withdraws at the end, once what used it is gone) and to CrateDB's
        data, in order, and refuses (exit 1) a change that would take away every CrateDB node or a majority of the
        master-eligible ones.

        Exit codes: 0 ok, 1 a missing or invalid stack or a refused change, 2 usage error.

        Examples:
          infra plan two-host
          infra plan two-host --scripts
          infra plan split-role --json
          infra plan three-host --from two-host
        """;

    public static Command Build(CliContext context)
    {
        var stack = StackArgument.Declare<string>("STACK", ArgumentArity.ExactlyOne);
        var scripts = new Option<bool>("--scripts") { Description = "print each command's shell text and each container's spec under its step" };
        var json = new Option<bool>("--json") { Description = "print {stack, steps: [{id, kind, host, service, after, ...}], outputs} for scripts" };
        var from = new Option<string>("--from") { Description = "the stack as deployed (a stack name, file or name@revision): say what the change does to CrateDB's data, and refuse one that would drop it" };
        var command = new Command("plan", "Every step `pulumi up` takes for a stack, in order: what it runs, on which host, and what it waits for.")
        {
            stack,
            scripts,
            json,
            from,
        };
        command.SetAction(parse => context.Guard(ExitCodes.Invalid, () =>
        {
            var loaded = context.Stacks.Load(parse.GetValue(stack)!);
            context.Warn(loaded.Warnings);
            var plan = Planner.Plan(loaded.Topology);
            if (parse.GetValue(from) is { } deployed)
            {
                var source = context.Stacks.Read(deployed);
                var before = StackArgument.Load(source.Stack != loaded.Stack ? source with { Stack = loaded.Stack } : source);
                var cluster = ClusterChange.Between(before.Topology, loaded.Topology);
                if (!parse.GetValue(json))
                {
                    Diff.DiffReport.WriteAccess(context.Out, PlanChanges.Compare(Planner.Plan(before.Topology), plan));
                    Diff.DiffReport.WriteCluster(context.Out, cluster);
                }

                if (cluster.Refused)
                {
                    foreach (var refusal in cluster.Refusals)
                    {
                        context.Error.WriteLine($"error: refused: {refusal}");
                    }

                    return ExitCodes.Invalid;
                }
            }

            if (parse.GetValue(json))
            {
                var path = CriticalPath.Of(plan.Steps);
                Json.Write(context.Out, new Report(plan.Stack, loaded.Source.File, plan.Steps.Select(JsonStep.Of).ToList(), plan.Outputs,
                    loaded.Topology.Spec.Rollout.MaxUnavailable,
                    StepGraph.Waves(loaded.Topology, plan.Hosts).Select(w => new JsonWave(Describe.Role(w.Role), w.Number, w.Members.Select(m => m.Service.Name).ToList())).ToList(),
                    new JsonPath(path.Steps.Count, path.ReadyWaits, path.Steps.Select(s => s.Id).ToList())));
            }
            else
            {
                WriteText(context.Out, plan, loaded.Topology, parse.GetValue(scripts));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <param name="topology">Its topology: the waves, and the values the stack takes from elsewhere at deploy time (their placeholders are explained).</param>
    public static void WriteText(TextWriter output, DeploymentPlan plan, StackTopology topology, bool scripts)
    {
        var waves = StepGraph.Waves(topology, plan.Hosts);
        output.WriteLine($"{plan.Stack}: {CliContext.Count(plan.Steps.Count, "step")}, in the order `pulumi up` takes them");
        output.WriteLine($"rollout (at most {topology.Spec.Rollout.MaxUnavailable} of a role down at once, microblog:rollout.maxUnavailable): {string.Join("; ", Rollout(waves))}");
        var path = CriticalPath.Of(plan.Steps);
        var data = plan.Services.Where(s => s.Role == Role.Crate).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        output.WriteLine($"critical path of a first deploy: {CliContext.Count(path.Steps.Count, "step")}, {CliContext.Count(path.ReadyWaits, "ready wait")} in series, " +
            $"{path.StatelessReadyWaits(s => s.Service is { } service && data.Contains(service))} of them in the stateless tiers (steps on separate branches run side by side)");
        var number = 0;
        var width = plan.Steps.Count.ToString(CultureInfo.InvariantCulture).Length;
        foreach (var step in plan.Steps)
        {
            number++;
            var where = step.Host is null ? "on this machine" : $"on {step.Host}";
            output.WriteLine();
            output.WriteLine($"{number.ToString(CultureInfo.InvariantCulture).PadLeft(width)}. {step.Id} ({KindOf(step)} {where}): {Summary(step)}");
            var indent = new string(' ', width + 2);
            if (step.After.Count > 0)
            {
                output.WriteLine($"{indent}after: {string.Join(", ", step.After)}");
            }

            if (step is CommandStep { RunsAgainWhen.Count: > 0 } again)
            {
                output.WriteLine($"{indent}runs again (an update) when: {string.Join(", ", again.RunsAgainWhen.Select(Short))}");
            }

            if (step is CommandStep { Triggers.Count: > 0 } command)
            {
                output.WriteLine($"{indent}replaced when: {string.Join(", ", command.Triggers.Select(Short))}");
            }

            if (!scripts)
            {
                continue;
            }

            foreach (var line in Details(step))
            {
                output.WriteLine($"{indent}{line}");
            }
        }

        output.WriteLine();
        output.WriteLine($"outputs: front door {string.Join(", ", plan.Outputs.FrontDoorUrls)}");
        foreach (var key in plan.Steps.OfType<CommandStep>().SelectMany(c => c.SecretKeys).Distinct())
        {
            output.WriteLine($"note: {Secrets.Explain(key)}");
        }

        foreach (var value in topology.Spec.Deferred)
        {
            output.WriteLine($"note: {Deferred.Explain(value)}");
        }
    }

    /// <summary>Each role's waves in an operator's words: how many go at once, in how many waves.</summary>
    private static IEnumerable<string> Rollout(IReadOnlyList<StepGraph.Wave> waves) =>
        waves.GroupBy(w => w.Role).Select(role =>
        {
            var first = role.First();
            var name = TopologyResolver.RoleName(role.Key);
            return first.Of == 1 ? $"{name} 1"
                : role.Key == Role.Crate ? $"{name} {first.Of}, one node at a time"
                : $"{name} {first.Of} in {CliContext.Count(role.Count(), "wave")} of {first.Size}";
        });

    private static string KindOf(Step step) => step switch
    {
        CommandStep => "command",
        EngineStep => "Docker engine",
        _ => step.Kind.ToString().ToLowerInvariant(),
    };

    private static string Summary(Step step) => step switch
    {
        CommandStep command => command.Purpose == CommandPurpose.WriteFile ? $"write {command.File!.HostPath} ({command.Why.Split(": ", 2)[1]})" : command.Why,
        ImageStep image => $"pull {image.Image}",
        VolumeStep volume => $"volume {volume.Name} (kept when its container or the stack goes)",
        ContainerStep container => $"{container.Spec.Image}: {container.Why}",
        EngineStep engine => engine.Endpoint,
        _ => step.Why,
    };

    private static IEnumerable<string> Details(Step step)
    {
        switch (step)
        {
            case CommandStep command:
                var where = command.Ssh is { } ssh ? $"over ssh {ssh.User}@{ssh.Address}:{ssh.Port}" : "here";
                if (command.Script.Length > 0)
                {
                    yield return $"{where}: {command.Script}";
                }

                if (command.Update is { } update)
                {
                    yield return $"{where}, when only its wording changed (its triggers did not): {update}";
                }

                if (command.Delete is { } delete)
                {
                    yield return $"{where}, when the step is deleted (it leaves the stack, or a new version replaced it; at the end of the update): {delete}";
                }

                if (command.SecretKeys.Count > 0 && command.File is null)
                {
                    yield return $"stdin: {string.Join(", ", command.SecretKeys.Select(Secrets.Placeholder))} (pulumi up fills it in from the stack's secret config; never printed)";
                }
                else if (command.Stdin is { } stdin)
                {
                    yield return $"stdin: {stdin.Length} bytes (infra render shows the file{(command.SecretKeys.Count > 0 ? ", with the secret's placeholder" : "")})";
                }

                break;
            case ContainerStep container:
                var spec = container.Spec;
                yield return $"docker: --name {spec.Name} --network {spec.NetworkMode} --restart {spec.RestartPolicy}" + (spec.User is { } user ? $" --user {user}" : "")
                    + (spec.PidMode is { } pid ? $" --pid {pid}" : "") + string.Concat(spec.CapDrop.Select(c => $" --cap-drop {c}"));
                foreach (var mount in spec.Mounts)
                {
                    yield return $"mount {(mount.Kind == MountKind.Volume ? "volume " : "")}{mount.Source} at {mount.Target}{(mount.ReadOnly ? " (read-only)" : "")}{(mount.Propagation is { } propagation ? $" ({propagation})" : "")}";
                }

                foreach (var variable in spec.Environment)
                {
                    yield return $"env {variable}";
                }

                if (spec.Command.Count > 0)
                {
                    yield return $"command {string.Join(' ', spec.Command)}";
                }

                yield return $"health: {string.Join(' ', spec.Health.Test)} (every {spec.Health.Interval}, {spec.Health.Retries} tries)";
                break;
        }
    }

    /// <summary>Hashes are long; the first 12 hex digits tell changes apart, as git's short ids do.</summary>
    private static string Short(string trigger) => trigger.Length == 64 && trigger.All(char.IsAsciiHexDigitLower) ? trigger[..12] : trigger;

    public sealed record Report(string Stack, string File, IReadOnlyList<JsonStep> Steps, StackOutputs Outputs, string MaxUnavailable, IReadOnlyList<JsonWave> Waves, JsonPath CriticalPath);

    public sealed record JsonWave(string Role, int Number, IReadOnlyList<string> Services);

    public sealed record JsonPath(int Steps, int ReadyWaits, IReadOnlyList<string> Ids);

    public sealed record JsonStep(
        string Id,
        StepKind Kind,
        string? Host,
        string? Service,
        string Why,
        IReadOnlyList<string> After,
        CommandPurpose? Purpose,
        SshTarget? Ssh,
        string? Script,
        string? Stdin,
        string? Delete,
        string? Update,
        IReadOnlyList<string>? Triggers,
        IReadOnlyList<string>? RunsAgainWhen,
        string? Endpoint,
        string? Image,
        string? Volume,
        ContainerSpec? Container)
    {
        public static JsonStep Of(Step step)
        {
            var command = step as CommandStep;
            return new JsonStep(
                step.Id, step.Kind, step.Host, step.Service, step.Why, step.After.ToList(),
                command?.Purpose, command?.Ssh, command?.Script, command?.Stdin, command?.Delete, command?.Update, command?.Triggers.ToList(), command?.RunsAgainWhen.ToList(),
                (step as EngineStep)?.Endpoint,
                step switch { ImageStep i => i.Image, ContainerStep c => c.ImageStep, _ => null },
                (step as VolumeStep)?.Name,
                (step as ContainerStep)?.Spec);
        }
    }
}
