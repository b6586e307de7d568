using System.CommandLine;
using Infra.Cli.Graph;
using Infra.Cli.Stacks;

namespace Infra.Cli.Commands;

/// <summary>`infra graph STACK`: the topology as the reference design draws it; also keeps the README's diagrams current.</summary>
public static class GraphCommand
{
    public static Command Build(CliContext context)
    {
        var stack = StackArgument.Declare<string?>("STACK", ArgumentArity.ZeroOrOne, "not with --update-readme or --check-readme");
        var format = new Option<string>("--format", "-f")
        {
            Description = "plantuml (the reference design's diagrams), mermaid (renders on the code host) or dot (Graphviz)",
            DefaultValueFactory = _ => "plantuml",
        };
        format.AcceptOnlyFromAmong("plantuml", "mermaid", "dot");
        var update = new Option<bool>("--update-readme") { Description = $"rewrite every stack's Mermaid diagram in the project's {ReadmeDiagrams.FileName}" };
        var check = new Option<bool>("--check-readme") { Description = $"exit 1 when a diagram in {ReadmeDiagrams.FileName} differs from its stack (for CI)" };

        var command = new Command("graph", "Draw a stack's topology the way the reference design draws it: hosts, services with their ports, every wire.")
        {
            stack,
            format,
            update,
            check,
        };
        command.SetAction(parse => context.Guard(ExitCodes.Invalid, () =>
        {
            var name = parse.GetValue(stack);
            var readme = parse.GetValue(update) || parse.GetValue(check);
            if (readme)
            {
                if (name is not null)
                {
                    return Usage(context, "--update-readme and --check-readme work on every stack: give no STACK");
                }

                return Readme(context, write: parse.GetValue(update));
            }

            if (name is null)
            {
                return Usage(context, "give a STACK to draw (e.g. infra graph two-host), or --update-readme");
            }

            var loaded = context.Stacks.Load(name);
            context.Warn(loaded.Warnings);
            context.Out.Write(GraphWriter.Write(loaded.Topology, ParseFormat(parse.GetValue(format)!)));
            return ExitCodes.Ok;
        }));
        return command;
    }

    public const string Epilog = """
        A package per host, a box per service with its port, an arrow per wire (dotted: CrateDB discovery),
        the firewall and the load balancer in front. README.md holds each stack's Mermaid diagram between
        <!-- graph:STACK --> and <!-- /graph:STACK -->: --update-readme rewrites them, --check-readme fails when one is stale.

        Exit codes: 0 ok, 1 invalid or missing stack (or a stale README with --check-readme), 2 usage error.

        Examples:
          infra graph two-host
          infra graph three-host --format mermaid
          infra graph split-role --format dot | dot -Tsvg > split-role.svg
          infra graph --update-readme
        """;

    public static GraphFormat ParseFormat(string format) => format switch
    {
        "mermaid" => GraphFormat.Mermaid,
        "dot" => GraphFormat.Dot,
        _ => GraphFormat.PlantUml,
    };

    private static int Usage(CliContext context, string message)
    {
        context.Error.WriteLine($"error: {message}");
        context.Error.WriteLine("see: infra graph --help");
        return ExitCodes.Usage;
    }

    private static int Readme(CliContext context, bool write)
    {
        var root = RepoRoot.Require(context.WorkingDir, $"the README diagrams belong to a project");
        var path = Path.Combine(root.Path, ReadmeDiagrams.FileName);
        if (!File.Exists(path))
        {
            throw new UserError($"{path} does not exist");
        }

        var readme = File.ReadAllText(path);
        var result = ReadmeDiagrams.Update(readme, root.StackNames(), name =>
        {
            var loaded = context.Stacks.Load(name);
            return GraphWriter.Write(loaded.Topology, GraphFormat.Mermaid);
        });

        var costs = ReadmeCostTable.Update(result.Text, ReadmeCostTable.Table(root.StackNames().Select(name => context.Stacks.Load(name).Topology)));
        if (costs is null)
        {
            context.Error.WriteLine($"error: {ReadmeDiagrams.FileName} has no table of change costs: add the lines {ReadmeCostTable.Start} and {ReadmeCostTable.End}, then run infra graph --update-readme");
        }

        var costsStale = costs is { Stale: true };
        var text = costs?.Text ?? result.Text;
        foreach (var stack in result.Missing)
        {
            context.Error.WriteLine(
                $"error: {ReadmeDiagrams.FileName} has no diagram for stack {stack}: add the lines {ReadmeDiagrams.Start(stack)} and {ReadmeDiagrams.End(stack)} under \"## The stacks\", then run infra graph --update-readme");
        }

        foreach (var stack in result.Unknown)
        {
            context.Error.WriteLine($"error: {ReadmeDiagrams.FileName} has a diagram for stack {stack}, which has no stack file: remove the block");
        }

        if (write)
        {
            if (text != readme)
            {
                File.WriteAllText(path, text);
            }

            var updated = result.Stale.Concat(costsStale ? ["the table of change costs"] : []).ToList();
            context.Out.WriteLine(updated.Count == 0
                ? $"{ReadmeDiagrams.FileName}: every diagram is current"
                : $"{ReadmeDiagrams.FileName}: updated {string.Join(", ", updated)}");
        }
        else
        {
            foreach (var stack in result.Stale)
            {
                context.Error.WriteLine($"error: {ReadmeDiagrams.FileName}: the diagram of {stack} is out of date: run infra graph --update-readme");
            }

            if (costsStale)
            {
                context.Error.WriteLine($"error: {ReadmeDiagrams.FileName}: the table of change costs is out of date: run infra graph --update-readme");
            }

            if (result.Stale.Count == 0 && !costsStale && costs is not null && result.Missing.Count == 0 && result.Unknown.Count == 0)
            {
                context.Out.WriteLine($"{ReadmeDiagrams.FileName}: every diagram is current");
            }
        }

        var failed = costs is null || result.Missing.Count > 0 || result.Unknown.Count > 0 || (!write && (result.Stale.Count > 0 || costsStale));
        return failed ? ExitCodes.Invalid : ExitCodes.Ok;
    }
}
