using System.Diagnostics;

namespace Infra.Lab;

/// <summary>Every wait in the live tests has a deadline and says what it was waiting for when it gives up.</summary>
public static class Bounded
{
    public static async Task<TimeSpan> Until(string what, TimeSpan limit, Func<Task<bool>> condition, int pollMs = 50, Func<string>? lastSeen = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return clock.Elapsed;
            }

            if (clock.Elapsed > limit)
            {
                var seen = lastSeen?.Invoke();
                throw new TimeoutException($"gave up after {limit.TotalSeconds:F1} s waiting for {what}" + (seen is null ? "" : $"; last seen: {seen}"));
            }

            await Task.Delay(pollMs);
        }
    }

    public static Task<TimeSpan> Until(string what, TimeSpan limit, Func<bool> condition, int pollMs = 50, Func<string>? lastSeen = null) =>
        Until(what, limit, () => Task.FromResult(condition()), pollMs, lastSeen);
}
