using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Infra.Cli;

/// <summary>The standard help, then the command's exit codes and examples (System.CommandLine has no epilog).</summary>
public sealed class HelpWithExamples(HelpAction help, IReadOnlyDictionary<Command, string> epilogs) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        help.Invoke(parseResult);
        if (epilogs.TryGetValue(parseResult.CommandResult.Command, out var epilog))
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.Write(epilog.TrimEnd('\n'));
            output.Write("\n\n");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Puts the examples behind every command's --help, which all share the root's help option.</summary>
    public static void Install(RootCommand root, IReadOnlyDictionary<Command, string> epilogs)
    {
        var option = root.Options.OfType<HelpOption>().Single();
        option.Action = new HelpWithExamples((HelpAction)option.Action!, epilogs);
    }
}
