namespace Infra.Lab.Containers;

/// <summary>
/// One HTTP exchange with a Docker daemon through `docker system dial-stdio`: the request goes to its stdin, which stays
/// open until the daemon has answered and closed the connection (a half-closed connection would cancel the request).
/// </summary>
public static class DialStdio
{
    public static ShellResult Exchange(string file, IEnumerable<string> args, string request, TimeSpan timeout)
    {
        var (started, command) = Shell.Start(file, args, stdin: true);
        using var process = started;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(request);
        process.StandardInput.Flush();
        // The daemon closes the connection after its answer (Connection: close); dial-stdio ends with it.
        if (!stdout.Wait(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"`{command}` did not answer within {timeout.TotalSeconds} s");
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        return new ShellResult(command, process.ExitCode, stdout.Result, stderr.Result);
    }
}
