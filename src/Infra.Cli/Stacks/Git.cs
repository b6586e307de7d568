using System.ComponentModel;
using System.Diagnostics;

namespace Infra.Cli.Stacks;

/// <summary>The two questions `infra diff` asks git: does this revision exist, and what was this file there.</summary>
/// <remarks>
/// It starts git itself rather than through <c>Infra.Lab.Shell</c>, the lab's runner: `infra diff` and `render STACK@REV`
/// run on operators' machines, any OS, and Infra.Lab is a Linux-only assembly (network namespaces), so a call into it is
/// a CA1416 error here; the file must come back as git stored it, bytes and not decoded text, so that it is read exactly
/// as the same file on disk; and a missing git or an unknown revision is a <see cref="UserError"/> for the operator,
/// not an exception. Moving Shell to a cross-platform assembly for this one caller would cost more than these lines.
/// </remarks>
public static class Git
{
    /// <summary>The file at <paramref name="path"/> (relative to <paramref name="workingDir"/>) as it was at <paramref name="revision"/>.</summary>
    public static byte[] Show(string workingDir, string revision, string path, string argument)
    {
        if (revision.Length == 0 || revision.StartsWith('-'))
        {
            throw new UserError($"{argument}: \"{revision}\" is not a git revision (write STACK@REV, e.g. two-host@HEAD~1 or two-host@main)");
        }

        var (code, _, error) = Run(workingDir, "rev-parse", "--verify", "--quiet", "--end-of-options", $"{revision}^{{commit}}");
        if (code != 0)
        {
            if (error.Contains("not a git repository", StringComparison.OrdinalIgnoreCase))
            {
                throw new UserError($"{argument}: {workingDir} is not inside a git repository, so there is no revision \"{revision}\" to read");
            }

            throw new UserError($"{argument}: unknown git revision \"{revision}\" (try a branch, a tag, a commit or HEAD~1)");
        }

        var (showCode, content, _) = Run(workingDir, "show", $"{revision}:./{path}");
        if (showCode != 0)
        {
            throw new UserError($"{argument}: {path} does not exist at revision {revision}");
        }

        return content;
    }

    private static (int Code, byte[] Output, string Error) Run(string workingDir, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Plain messages: no pager, no localisation, no prompt for credentials.
        start.Environment["LC_ALL"] = "C";
        start.Environment["GIT_PAGER"] = "cat";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new UserError("git could not be started");
        }
        catch (Win32Exception)
        {
            throw new UserError("git is not installed (or not on PATH): it is needed to read a stack file at a revision (STACK@REV)");
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            using var output = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            return (process.ExitCode, output.ToArray(), error.Result);
        }
    }
}
