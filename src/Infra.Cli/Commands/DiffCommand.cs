using System.CommandLine;
using Infra.Cli.Diff;
using Infra.Cli.Output;
using Infra.Cli.Stacks;
using Infra.Topology.Plan;

namespace Infra.Cli.Commands;

/// <summary>`infra diff OLD NEW`: what changing a stack from OLD to NEW does to every host, file and service.</summary>
public static class DiffCommand
{
    public const string Epilog = """
        Per host: the hosts and services added and removed, a unified diff of each changed file, and what each
        change costs the running system: reload (nginx, haproxy: no dropped requests), rolling restart (app:
        one host at a time), rolling restart of CrateDB (crate.yml: one node at a time, as CrateDB's rolling upgrade),
        create, destroy. What the change does to CrateDB's data is said in order: the nodes that join, the nodes that
        leave (each decommissioned, its shards moved away, one at a time, after the new nodes joined). A change that
        would take away every CrateDB node, or a majority of the master-eligible ones, is refused (exit 2), with how to
        do it in steps.

        Exit codes, as diff(1): 0 the stacks deploy the same, 1 they differ, 2 trouble (a missing or invalid
        stack, an unknown revision, a usage error).

        Examples:
          infra diff two-host three-host
          infra diff two-host@main two-host                  (what a pull request's change to two-host does)
          infra diff stacks/Pulumi.two-host.yaml@HEAD~1 two-host --json
        """;

    public static Command Build(CliContext context)
    {
        var old = StackArgument.Declare<string>("OLD", ArgumentArity.ExactlyOne, "the stack as it is");
        var @new = StackArgument.Declare<string>("NEW", ArgumentArity.ExactlyOne, "the stack as it would be");
        var keepNames = new Option<bool>("--keep-names")
        {
            Description = "compare two differently named stacks as named (by default OLD is read as if it were NEW's stack, as when one stack's file is edited)",
        };
        var json = new Option<bool>("--json") { Description = "print {old, new, same, hosts: [{host, status, files: [{path, status, action, diff}]}], summary} for scripts" };
        var command = new Command("diff", "Preview a topology change: every host, service and file it touches, and what each change costs.")
        {
            old,
            @new,
            keepNames,
            json,
        };
        command.SetAction(parse => context.Guard(ExitCodes.Trouble, () =>
        {
            var after = context.Stacks.Load(parse.GetValue(@new)!);
            var oldSource = context.Stacks.Read(parse.GetValue(old)!);
            var renamed = !parse.GetValue(keepNames) && oldSource.Stack != after.Stack;
            // One stack changing is the question; names derived from the stack's own name would only add noise.
            var before = StackArgument.Load(renamed ? oldSource with { Stack = after.Stack } : oldSource);
            context.Warn(after.Warnings);

            var change = StackDiffer.Compare(before.Topology, Planner.Plan(before.Topology), after.Topology, Planner.Plan(after.Topology));
            if (parse.GetValue(json))
            {
                Json.Write(context.Out, DiffReport.ToJson(before, after, change));
            }
            else
            {
                var note = renamed
                    ? $"({oldSource.File} is read as stack {after.Stack}, so names made from the stack name, such as the default cluster name, match; --keep-names compares them as named)"
                    : null;
                DiffReport.WriteText(context.Out, before, after, change, note);
            }

            foreach (var refusal in change.Cluster.Refusals)
            {
                context.Error.WriteLine($"error: refused: {refusal}");
            }

            return change.Cluster.Refused ? ExitCodes.Trouble : change.Same ? ExitCodes.Same : ExitCodes.Different;
        }));
        return command;
    }
}
