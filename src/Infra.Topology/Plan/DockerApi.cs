using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Infra.Topology.Plan;

/// <summary>
/// A container step as the Docker Engine API's `POST /containers/create` body: how a runner outside Pulumi (the lab)
/// makes the container Pulumi's Docker provider makes, through the same API the provider calls. The health check stays
/// in exec form (`["CMD", argv...]`), which `docker create --health-cmd` cannot express: Docker runs that flag through
/// `/bin/sh -c`, and an image without a shell could never be healthy. Every field of <see cref="ContainerSpec"/> is
/// mapped here and in the Pulumi program; a test changes each field and sees the body change, so neither can drop one.
/// https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Container/operation/ContainerCreate
/// </summary>
public static class DockerApi
{
    /// <summary>The request path, with the container's name as its query.</summary>
    public static string CreatePath(ContainerSpec spec) => $"/containers/create?name={Uri.EscapeDataString(spec.Name)}";

    public static JsonObject CreateBody(ContainerSpec spec)
    {
        var hostConfig = new JsonObject
        {
            ["NetworkMode"] = spec.NetworkMode,
            ["RestartPolicy"] = new JsonObject { ["Name"] = spec.RestartPolicy },
            ["Mounts"] = new JsonArray(spec.Mounts.Select(Mount).ToArray<JsonNode?>()),
        };
        if (spec.PidMode is { } pid)
        {
            hostConfig["PidMode"] = pid;
        }

        if (spec.CapDrop.Count > 0)
        {
            hostConfig["CapDrop"] = Strings(spec.CapDrop);
        }

        var body = new JsonObject
        {
            ["Image"] = spec.Image,
            ["Env"] = Strings(spec.Environment),
            ["Labels"] = new JsonObject(spec.Labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)JsonValue.Create(l.Value)))),
            ["Healthcheck"] = new JsonObject
            {
                ["Test"] = Strings(spec.Health.Test),
                ["Interval"] = Nanoseconds(spec.Health.Interval),
                ["Timeout"] = Nanoseconds(spec.Health.Timeout),
                ["Retries"] = spec.Health.Retries,
                ["StartPeriod"] = Nanoseconds(spec.Health.StartPeriod),
            },
            ["HostConfig"] = hostConfig,
        };
        // An empty command would override the image's own; no user keeps the image's (as the Pulumi program maps them).
        if (spec.Command.Count > 0)
        {
            body["Cmd"] = Strings(spec.Command);
        }

        if (spec.User is { } user)
        {
            body["User"] = user;
        }

        return body;
    }

    /// <summary>The whole request as it goes over the daemon's socket (`docker system dial-stdio`), one connection, closed after.</summary>
    public static string CreateRequest(ContainerSpec spec)
    {
        var body = CreateBody(spec).ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        var length = System.Text.Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture);
        return $"POST {CreatePath(spec)} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{body}";
    }

    /// <summary>The status code and body of a response read from the socket (HTTP/1.1, plain or chunked).</summary>
    public static (int Status, string Body) ParseResponse(string response)
    {
        var headEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = headEnd < 0 ? response : response[..headEnd];
        var body = headEnd < 0 ? "" : response[(headEnd + 4)..];
        var statusLine = head.Split("\r\n", 2)[0].Split(' ', 3);
        if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(statusLine[1], CultureInfo.InvariantCulture, out var status))
        {
            return (0, response);
        }

        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }

        return (status, body.Trim());
    }

    private static JsonObject Mount(Mount mount)
    {
        var json = new JsonObject
        {
            ["Type"] = mount.Kind == MountKind.Bind ? "bind" : "volume",
            ["Source"] = mount.Source,
            ["Target"] = mount.Target,
            ["ReadOnly"] = mount.ReadOnly,
        };
        if (mount.Propagation is { } propagation)
        {
            json["BindOptions"] = new JsonObject { ["Propagation"] = propagation };
        }

        return json;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    /// <summary>`2s`, `500ms`, `1m` (the spec's Go-style durations) in the nanoseconds the API takes.</summary>
    public static long Nanoseconds(string duration)
    {
        var (number, unit) = duration.EndsWith("ms", StringComparison.Ordinal) ? (duration[..^2], 1_000_000L)
            : duration.EndsWith('s') ? (duration[..^1], 1_000_000_000L)
            : duration.EndsWith('m') ? (duration[..^1], 60_000_000_000L)
            : throw new FormatException($"`{duration}` is not a duration in ms, s or m");
        return (long)(decimal.Parse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * unit);
    }

    private static string Unchunk(string body)
    {
        var result = new System.Text.StringBuilder();
        var rest = body;
        while (rest.Length > 0)
        {
            var lineEnd = rest.IndexOf("\r\n", StringComparison.Ordinal);
            if (lineEnd < 0 || !int.TryParse(rest[..lineEnd].Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }

            var start = lineEnd + 2;
            result.Append(rest.AsSpan(start, Math.Min(size, rest.Length - start)));
            rest = start + size + 2 <= rest.Length ? rest[(start + size + 2)..] : "";
        }

        return result.ToString();
    }
}
