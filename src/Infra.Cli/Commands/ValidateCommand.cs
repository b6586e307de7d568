using System.CommandLine;
using Infra.Cli.Output;
using Infra.Cli.Stacks;
using Infra.Topology.Spec;

namespace Infra.Cli.Commands;

/// <summary>`infra validate [STACK...]`: every error and warning the core finds, per stack.</summary>
public static class ValidateCommand
{
    public static Command Build(CliContext context)
    {
        var stacks = StackArgument.Declare<string[]>("STACK", ArgumentArity.ZeroOrMore, "default: every stack file in the project's stacks folder");
        var json = new Option<bool>("--json") { Description = "print a JSON array of {stack, file, ok, diagnostics} for scripts" };

        var command = new Command("validate", "Check stack files: every error and warning, with the key to change and where.")
        {
            stacks,
            json,
        };
        command.SetAction(parse => context.Guard(ExitCodes.Invalid, () => Run(context, parse.GetValue(stacks) ?? [], parse.GetValue(json))));
        return command;
    }

    public const string Epilog = """
        Exit codes: 0 every stack is valid (warnings are not fatal), 1 a stack is invalid or cannot be read, 2 usage error.

        Examples:
          infra validate
          infra validate two-host three-host
          infra validate stacks/Pulumi.two-host.yaml --json
          infra validate two-host@main
        """;

    private sealed record Report(string Stack, string? File, bool Ok, IReadOnlyList<DiagnosticJson> Diagnostics);

    private sealed record DiagnosticJson(Severity Severity, string Key, string Message, int? Line, int? Column);

    private static int Run(CliContext context, string[] arguments, bool json)
    {
        if (arguments.Length == 0)
        {
            var root = RepoRoot.Require(context.WorkingDir, "run infra inside the project, or name the stack files to check");
            arguments = [.. root.StackNames()];
            if (arguments.Length == 0)
            {
                throw new UserError($"no stack files (Pulumi.<stack>.yaml) in {root.StacksFolder}");
            }
        }

        var reports = arguments.Select(argument => Check(context, argument)).ToList();
        if (json)
        {
            Json.Write(context.Out, reports.Select(r => r.Report).ToList());
        }
        else
        {
            foreach (var report in reports)
            {
                foreach (var line in report.Lines)
                {
                    context.Out.WriteLine(line);
                }

                context.Out.WriteLine(report.Summary);
            }

            if (reports.Count > 1)
            {
                var invalid = reports.Count(r => !r.Report.Ok);
                context.Out.WriteLine(invalid == 0
                    ? $"{CliContext.Count(reports.Count, "stack")}: all valid"
                    : $"{CliContext.Count(reports.Count, "stack")}: {reports.Count - invalid} valid, {invalid} invalid");
            }
        }

        return reports.All(r => r.Report.Ok) ? ExitCodes.Ok : ExitCodes.Invalid;
    }

    private sealed record Checked(Report Report, IReadOnlyList<string> Lines, string Summary);

    private static Checked Check(CliContext context, string argument)
    {
        StackSource source;
        try
        {
            source = context.Stacks.Read(argument);
        }
        catch (UserError e)
        {
            var report = new Report(argument, null, false, [new DiagnosticJson(Severity.Error, "", e.Message, null, null)]);
            return new Checked(report, [$"error: {e.Message}"], $"{argument}: invalid (the stack file could not be read)");
        }

        var result = source.Load();
        var diagnostics = result.Diagnostics
            .Select(d => new DiagnosticJson(d.Severity, d.KeyPath, d.Message, d.Line, d.Column))
            .ToList();
        var errors = result.Errors.Count();
        var warnings = result.Warnings.Count();
        var counts = new List<string>();
        if (errors > 0)
        {
            counts.Add(CliContext.Count(errors, "error"));
        }

        if (warnings > 0)
        {
            counts.Add(CliContext.Count(warnings, "warning"));
        }

        var summary = $"{source.Stack}: {(result.Ok ? "ok" : "invalid")}{(counts.Count > 0 ? $" ({string.Join(", ", counts)})" : "")}";
        return new Checked(
            new Report(source.Stack, source.File, result.Ok, diagnostics),
            result.Diagnostics.Select(d => d.ToString()).ToList(),
            summary);
    }
}
