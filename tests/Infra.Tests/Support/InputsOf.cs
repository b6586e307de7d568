using System.Collections;
using System.Reflection;
using Pulumi;
using Pulumi.Utilities;

namespace Infra.Tests.Support;

/// <summary>One text a resource is given, where it sits in its args, and whether it reaches the engine as a secret.</summary>
public sealed record InputText(string Path, string Text, bool Secret);

/// <summary>
/// Every input a resource's args carry, as the SDK serializes them: each [Input] member, nested args and lists walked,
/// each output resolved with its secretness (a value inside a secret output is secret).
/// </summary>
public static class InputsOf
{
    public static async Task<IReadOnlyList<InputText>> Walk(ResourceArgs args)
    {
        var texts = new List<InputText>();
        await Add(texts, args.GetType().Name, args, secret: false);
        return texts;
    }

    private static async Task Add(List<InputText> texts, string path, object? value, bool secret)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                texts.Add(new InputText(path, text, secret));
                return;
            case InputArgs nested:
                foreach (var (name, member) in Members(nested))
                {
                    await Add(texts, $"{path}.{name}", member, secret);
                }

                return;
        }

        var type = value.GetType();
        var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : null;
        if (generic == typeof(InputList<>) || generic == typeof(InputMap<>))
        {
            // Where the serializer takes the list from.
            await Add(texts, path, type.GetProperty("Value", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(value), secret);
            return;
        }

        if (generic == typeof(Input<>))
        {
            // The output an input wraps (what its implicit conversion to Output<T> returns).
            await Add(texts, path, type.GetField("_outputValue", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(value), secret);
            return;
        }

        if (generic == typeof(Output<>))
        {
            var inner = type.GetGenericArguments()[0];
            var isSecret = await Call<bool>(typeof(Output).GetMethod(nameof(Output.IsSecretAsync))!.MakeGenericMethod(inner), value);
            var resolved = await Call<object?>(typeof(OutputUtilities).GetMethod(nameof(OutputUtilities.GetValueAsync))!.MakeGenericMethod(inner), value);
            await Add(texts, path, resolved, secret || isSecret);
            return;
        }

        if (value is IEnumerable items and not IDictionary)
        {
            var i = 0;
            foreach (var item in items)
            {
                await Add(texts, $"{path}[{i++}]", item, secret);
            }

            return;
        }

        texts.Add(new InputText(path, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "", secret));
    }

    private static IEnumerable<(string Name, object? Value)> Members(InputArgs args)
    {
        for (var type = args.GetType(); type is not null && type != typeof(InputArgs); type = type.BaseType)
        {
            const BindingFlags Own = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;
            foreach (var field in type.GetFields(Own).Where(f => f.GetCustomAttribute<InputAttribute>() is not null))
            {
                yield return (field.Name.TrimStart('_'), field.GetValue(args));
            }

            foreach (var property in type.GetProperties(Own).Where(p => p.GetCustomAttribute<InputAttribute>() is not null))
            {
                yield return (property.Name, property.GetValue(args));
            }
        }
    }

    private static async Task<T> Call<T>(MethodInfo method, object output)
    {
        var task = (Task)method.Invoke(null, [output])!;
        await task;
        return (T)task.GetType().GetProperty("Result")!.GetValue(task)!;
    }
}
