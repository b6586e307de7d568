namespace Infra.Lab.Containers;

/// <summary>The Debian mirror this machine's apt uses: the only place the lab may download from.</summary>
public static class AptSources
{
    /// <summary>The first `deb` source that serves this machine's own release (e.g. bookworm), from either apt format.</summary>
    public static string DebianMirror()
    {
        var codename = File.ReadLines("/etc/os-release")
            .Select(l => l.Split('=', 2))
            .Where(kv => kv.Length == 2 && kv[0] == "VERSION_CODENAME")
            .Select(kv => kv[1].Trim('"'))
            .FirstOrDefault() ?? throw new InvalidOperationException("/etc/os-release names no VERSION_CODENAME");
        var files = new[] { "/etc/apt/sources.list" }.Where(File.Exists)
            .Concat(Directory.Exists("/etc/apt/sources.list.d")
                ? Directory.GetFiles("/etc/apt/sources.list.d").Where(f => f.EndsWith(".list", StringComparison.Ordinal) || f.EndsWith(".sources", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
                : []);
        foreach (var file in files)
        {
            var sources = file.EndsWith(".sources", StringComparison.Ordinal) ? Deb822(File.ReadAllText(file)) : OneLine(File.ReadLines(file));
            foreach (var (uri, suites) in sources)
            {
                if (suites.Contains(codename))
                {
                    return uri.TrimEnd('/');
                }
            }
        }

        throw new InvalidOperationException($"no deb source for {codename} in /etc/apt/sources.list or /etc/apt/sources.list.d");
    }

    private static IEnumerable<(string Uri, string[] Suites)> OneLine(IEnumerable<string> lines)
    {
        foreach (var line in lines.Select(l => l.Trim()).Where(l => l.StartsWith("deb ", StringComparison.Ordinal)))
        {
            // deb [option=value ...] URI suite component...
            var rest = line[4..].Trim();
            if (rest.StartsWith('['))
            {
                rest = rest[(rest.IndexOf(']') + 1)..].Trim();
            }

            var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2)
            {
                yield return (words[0], [words[1]]);
            }
        }
    }

    private static IEnumerable<(string Uri, string[] Suites)> Deb822(string text)
    {
        foreach (var paragraph in text.Split("\n\n"))
        {
            var fields = paragraph.Split('\n')
                .Where(l => !l.StartsWith('#') && l.Contains(':'))
                .Select(l => l.Split(':', 2))
                .GroupBy(kv => kv[0].Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First()[1].Trim(), StringComparer.OrdinalIgnoreCase);
            string[] Words(string key) => fields.TryGetValue(key, out var value) ? value.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
            if (!Words("Types").Contains("deb") || Words("Enabled").Contains("no"))
            {
                continue;
            }

            foreach (var uri in Words("URIs"))
            {
                yield return (uri, Words("Suites"));
            }
        }
    }
}
