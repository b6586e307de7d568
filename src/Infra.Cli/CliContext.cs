using Infra.Cli.Stacks;
using Infra.Topology.Spec;

namespace Infra.Cli;

/// <summary>What every command writes to and reads from; tests hand in their own writers and folder.</summary>
public sealed class CliContext(TextWriter stdout, TextWriter stderr, string workingDir)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    public string WorkingDir { get; } = workingDir;

    public StackArgument Stacks { get; } = new(workingDir);

    /// <summary>Runs a command; bad input becomes one message on stderr and <paramref name="troubleCode"/>.</summary>
    public int Guard(int troubleCode, Func<int> command)
    {
        try
        {
            return command();
        }
        catch (UserError e)
        {
            Error.WriteLine($"error: {e.Message}");
            return troubleCode;
        }
        catch (InvalidStack e)
        {
            foreach (var diagnostic in e.Diagnostics)
            {
                Error.WriteLine(diagnostic);
            }

            var errors = e.Diagnostics.Count(d => d.IsError);
            Error.WriteLine($"{e.Stack.Stack}: invalid ({Count(errors, "error")})");
            return troubleCode;
        }
    }

    /// <summary>Warnings are printed, not fatal (docs/architecture.md); on stderr, so stdout stays the command's output.</summary>
    public void Warn(IEnumerable<Diagnostic> warnings)
    {
        foreach (var warning in warnings)
        {
            Error.WriteLine(warning);
        }
    }

    public static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
