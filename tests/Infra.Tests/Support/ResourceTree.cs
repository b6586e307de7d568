using System.Text;
using Pulumi;

namespace Infra.Tests.Support;

/// <summary>Every declared resource as an indented tree under its parent, children sorted by type and name.</summary>
public static class ResourceTree
{
    public static string Render(Deployed deployed)
    {
        var byParent = deployed.Declared
            .GroupBy(d => d.Parent is null or Stack ? null : d.Parent)
            .ToDictionary(g => g.Key ?? (object)"root", g => g.OrderBy(d => d.Type, StringComparer.Ordinal).ThenBy(d => d.Name, StringComparer.Ordinal).ToList());
        var text = new StringBuilder();
        Write(byParent, "root", 0, text);
        return text.ToString();
    }

    private static void Write(Dictionary<object, List<Declared>> byParent, object parent, int depth, StringBuilder text)
    {
        foreach (var child in byParent.GetValueOrDefault(parent) ?? [])
        {
            text.Append(' ', depth * 2).Append(child.Type).Append(' ').Append(child.Name).Append('\n');
            Write(byParent, child.Resource, depth + 1, text);
        }
    }
}
