using System.Globalization;
using System.Text.RegularExpressions;

namespace Infra.Bench.DataPath;

/// <summary>What wrk --latency printed: throughput, latency percentiles, and every kind of failure it counts.</summary>
public sealed partial record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, double MaxMs, long Requests, long Non2xx, long SocketErrors)
{
    public static WrkResult Parse(string output)
    {
        double Latency(string percentile) =>
            Ms(PercentileLine().Matches(output).FirstOrDefault(m => m.Groups[1].Value == percentile)
               ?? throw new FormatException($"wrk output has no {percentile}% latency line (was --latency given?):\n{output}"));

        var rps = RequestsPerSec().Match(output);
        var total = RequestsIn().Match(output);
        var max = LatencyStats().Match(output);
        var non2xx = Non2xxLine().Match(output);
        var socket = SocketErrorsLine().Match(output);
        if (!rps.Success || !total.Success || !max.Success)
        {
            throw new FormatException($"cannot read wrk's output:\n{output}");
        }

        return new WrkResult(
            double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            Latency("50"),
            Latency("99"),
            ToMs(max.Groups[1].Value, max.Groups[2].Value),
            long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture),
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            socket.Success ? socket.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0);
    }

    public long Failed => Non2xx + SocketErrors;

    private static double Ms(Match m) => ToMs(m.Groups[2].Value, m.Groups[3].Value);

    private static double ToMs(string value, string unit) => double.Parse(value, CultureInfo.InvariantCulture) * unit switch
    {
        "us" => 0.001,
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        _ => throw new FormatException($"unknown wrk time unit \"{unit}\""),
    };

    [GeneratedRegex(@"^[ \t]+(50|75|90|99)%[ \t]+([\d.]+)(us|ms|s|m)[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex PercentileLine();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSec();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsIn();

    // Thread Stats row "Latency avg stdev max +/-": the third value is the max.
    [GeneratedRegex(@"^[ \t]+Latency[ \t]+\S+[ \t]+\S+[ \t]+([\d.]+)(us|ms|s|m)[ \t]", RegexOptions.Multiline)]
    private static partial Regex LatencyStats();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Non2xxLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();
}
