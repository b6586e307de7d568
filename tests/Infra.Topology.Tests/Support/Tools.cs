using System.Diagnostics;

namespace Infra.Topology.Tests.Support;

/// <summary>
/// Runs the real servers' own checkers (nginx -t, haproxy -c, openssl). A missing binary fails the test with
/// the fix, never skips it: a green run must mean the configs were really checked.
/// </summary>
/// <remarks>
/// Not <c>Infra.Lab.Shell</c>, the lab's runner: the core's tests depend on the core only, and Infra.Lab is a Linux-only
/// assembly that brings the test app and the CrateDB double into this build, with a platform guard at every caller.
/// What is left here is what a test needs and Shell does not do: stdout and stderr as one text, as the checkers print
/// them; a timeout or a missing program as a failed assertion with its fix; and servers that keep running
/// (<see cref="Start"/>) for the tests that send them requests.
/// </remarks>
public static class Tools
{
    public sealed record Result(int ExitCode, string Output)
    {
        public override string ToString() => $"exit {ExitCode}:\n{Output}";
    }

    private static readonly string[] ExtraFolders = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The full path of a program on PATH (or in an sbin folder a non-root PATH may lack).</summary>
    public static string Find(string program)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var folder in folders.Concat(ExtraFolders))
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"{program} is not installed: run scripts/install-deps as root (it installs nginx, haproxy, supervisor, openssl)");
        return program;
    }

    /// <summary>Runs a program to completion; stdout and stderr together, as an operator would see them.</summary>
    public static Result Run(string file, params string[] args) => Run(DefaultTimeout, file, args);

    public static Result Run(TimeSpan timeout, string file, params string[] args)
    {
        using var process = Create(file, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds}s");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Starts a long-running program, its output drained so it never blocks; the caller stops it with <see cref="Stop"/>.</summary>
    public static Process Start(string file, params string[] args)
    {
        var process = Create(file, args);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static Process Create(string file, string[] args)
    {
        var info = new ProcessStartInfo(Path.IsPathRooted(file) ? file : Find(file))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
    }

    public static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
    }

    /// <summary>A fresh folder under the system temp folder, removed when disposed.</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("microblog-infra-").FullName;

        public string Write(string name, string content)
        {
            var file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, content);
            return file;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>A TCP port nothing listens on right now, for a server a test starts.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
