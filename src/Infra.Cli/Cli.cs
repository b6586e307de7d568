using System.CommandLine;
using Infra.Cli.Commands;

namespace Infra.Cli;

/// <summary>The `infra` command line; <see cref="Run"/> is the whole program, so tests call it as `Main` does.</summary>
public static class Cli
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, string workingDir) =>
        Run(args, stdout, stderr, workingDir, OperatingSystem.IsLinux() ? Infra.Lab.Session.Prerequisites.OfThisMachine : null);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter, string)"/>, with what `infra lab` finds on the machine (tests hand in their own).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, string workingDir, Infra.Lab.Session.Prerequisites? machine)
    {
        var context = new CliContext(stdout, stderr, workingDir);
        var validate = ValidateCommand.Build(context);
        var render = RenderCommand.Build(context);
        var plan = PlanCommand.Build(context);
        var diff = DiffCommand.Build(context);
        var graph = GraphCommand.Build(context);
        var root = new RootCommand(
            "See, offline and before any `pulumi up`, exactly what a stack deploys and what a change to it will do.")
        {
            validate,
            render,
            plan,
            diff,
            graph,
        };
        var epilogs = new Dictionary<Command, string>
        {
            [root] = Epilog,
            [validate] = ValidateCommand.Epilog,
            [render] = RenderCommand.Epilog,
            [plan] = PlanCommand.Epilog,
            [diff] = DiffCommand.Epilog,
            [graph] = GraphCommand.Epilog,
        };
        if (OperatingSystem.IsLinux() && machine is not null)
        {
            // Network namespaces and nftables: the lab exists on Linux only; every other command works anywhere.
            var lab = LabCommand.Build(context, machine);
            root.Add(lab);
            foreach (var command in lab.Subcommands.Prepend(lab))
            {
                epilogs[command] = LabCommand.Epilog;
            }
        }

        HelpWithExamples.Install(root, epilogs);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpWithExamples)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"error: {error.Message}");
            }

            stderr.WriteLine($"see: {CommandPath(parse.CommandResult)} --help");
            return ExitCodes.Usage;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            stderr.WriteLine($"infra: internal error (a bug in infra, not in your input; please report it): {e.GetType().Name}: {e.Message}");
            return ExitCodes.Internal;
        }
    }

    private const string Epilog = """
        A STACK is a stack name (two-host: stacks/Pulumi.two-host.yaml in the project, the nearest folder upward
        holding Pulumi.yaml), a path to a stack file, or either at a git revision (two-host@main, stacks/Pulumi.x.yaml@HEAD~1).

        Exit codes: 0 ok, 1 invalid input (a missing or invalid stack, an unknown revision), 2 usage error.
        diff follows diff(1): 0 same, 1 different, 2 trouble. lab adds 3 (the lab run failed), 69 (a package is
        missing) and 77 (not root). 70: a bug in infra itself (please report it).

        Examples:
          infra validate
          infra render two-host --out out/two-host
          infra plan two-host
          infra diff two-host three-host
          infra diff two-host@main two-host
          infra graph three-host --format mermaid
          sudo ./infra lab up two-host               (the stack running on this machine: see infra lab --help)
        """;

    /// <summary>`infra`, `infra diff`, `infra lab up`: the command as typed, parents first.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.SymbolResult? at = result; at is System.CommandLine.Parsing.CommandResult command; at = command.Parent)
        {
            names.Insert(0, command.Command is RootCommand ? "infra" : command.Command.Name);
        }

        return string.Join(' ', names);
    }
}
