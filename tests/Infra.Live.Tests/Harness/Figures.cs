namespace Infra.Live.Tests.Harness;

public static class Figures
{
    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>The disruption really happened mid-load: requests started both before it and after it.</summary>
    public static void AssertMidLoad(LoadRun load, long disruptedAt)
    {
        var requests = load.Requests();
        Assert.True(requests.Any(r => r.StartUnixMs < disruptedAt), "no request started before the disruption");
        Assert.True(requests.Any(r => r.StartUnixMs > disruptedAt + 1000), "no request started a second after the disruption: the load ended too early");
    }
}
