using Microblog.TestApp;

// `Microblog.TestApp <app.conf>` serves as one app instance; `Microblog.TestApp --load URL ...` is the load client.
// The app mode stays clear of System.CommandLine: one argument, and its start is what the live tests wait for.
if (args.Length >= 1 && args[0].StartsWith('-'))
{
    return await LoadCommand.Run(args);
}

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Microblog.TestApp <app.conf> | --load URL ... (--help: the load client's options)");
    return 2;
}

AppSettings settings;
try
{
    settings = AppSettings.Load(args[0]);
}
catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

try
{
    await new AppServer(settings, Environment.GetEnvironmentVariable(AppServer.JournalVariable)).Run();
}
catch (IOException e)
{
    // Kestrel's bind failure (the port taken): one line, not a crash's stack.
    Console.Error.WriteLine($"{settings.Instance}: {e.Message}");
    return 1;
}

return 0;
