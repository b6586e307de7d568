using Microblog.TestApp;

// `Microblog.TestApp <app.conf>` serves as one app instance; `Microblog.TestApp --load URL ...` is the load client.
if (args.Length >= 1 && args[0] == "--load")
{
    try
    {
        return await LoadClient.Run(LoadOptions.Parse(args));
    }
    catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
    {
        Console.Error.WriteLine($"usage: Microblog.TestApp --load URL [--count N] [--concurrency N] [--seconds S] [--rate R] [--method GET|POST] [--request-timeout-ms MS] [--id-prefix P] [--requests-log FILE] [--summary FILE] [--no-keepalive] [--no-stale-retry]: {e.Message}");
        return 2;
    }
}

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Microblog.TestApp <app.conf> | --load URL ...");
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
    await new AppServer(settings, Environment.GetEnvironmentVariable(AppServer.JournalVariable)).Run(CancellationToken.None);
}
catch (IOException e)
{
    // Kestrel's bind failure (the port taken): one line, not a crash's stack.
    Console.Error.WriteLine($"{settings.Instance}: {e.Message}");
    return 1;
}

return 0;
