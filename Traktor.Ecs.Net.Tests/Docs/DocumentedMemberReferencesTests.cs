using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// Every backticked <c>Type.Member</c> in README.md and docs/*.md (prose, not code blocks: DocsCompileTests compiles
/// those) whose type is one of ours names a member that exists: declared, inherited, from an implemented interface, a
/// nested type, or an extension method taking the type. A game is written from the docs, so a renamed member left in
/// them sends its reader to a name the compiler refuses.
/// </summary>
public partial class DocumentedMemberReferencesTests
{
    [GeneratedRegex(@"`([^`\n]+)`")]
    private static partial Regex CodeSpan();

    /// <summary>
    /// A capitalised name, optionally with type arguments, a dot and a member name, not in the middle of a longer chain;
    /// a member name ending in "…" or "*" stands for the members it starts (<c>World.Default…</c>).
    /// </summary>
    [GeneratedRegex(@"(?<![\w.])(?<type>[A-Z]\w*)(?:<[^<>`]*>)?\.(?<member>[A-Za-z_]\w*)(?<prefix>…|\*)?")]
    private static partial Regex TypeDotMember();

    /// <summary>
    /// Arch's own names, written where docs/ECS.md says what Traktor.Ecs lacks or does differently: they are meant not to
    /// exist here.
    /// </summary>
    private static readonly HashSet<string> ArchNamesInEcsDoc =
    [
        "World.Worlds", "World.SharedJobScheduler", "World.RecycledIds", "Archetype.CalculateEntitiesPerChunk", "Archetype.ChunkSize",
        "Archetype.GetEntityCountFor", "CommandBuffer.CommandBuffer", "QueryDescription.WithChanged",
    ];

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.FlattenHierarchy;

    /// <summary>Extension methods of our assemblies by name: the type of their <c>this</c> parameter.</summary>
    private static readonly ILookup<string, Type> ExtensionReceivers = DocumentedOptionTablesTests.TypesByName
        .SelectMany(group => group)
        .Where(type => type.IsAbstract && type.IsSealed)
        .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Static))
        .Where(method => method.IsDefined(typeof(ExtensionAttribute), false) && method.GetParameters().Length > 0)
        .ToLookup(method => method.Name.StartsWith("get_", StringComparison.Ordinal) ? method.Name[4..] : method.Name, method => method.GetParameters()[0].ParameterType);

    [Fact]
    public void Every_backticked_member_of_our_types_exists()
    {
        var failures = new List<string>();
        int checkedReferences = 0;
        string root = DocsCompileTests.RepositoryRoot();
        var files = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal));
        foreach (string file in files)
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            var lines = File.ReadAllLines(file);
            bool inFence = false;
            for (int i = 0; i < lines.Length; i++)
            {
                string trimmed = lines[i].TrimStart();
                if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
                {
                    inFence = !inFence;
                    continue;
                }

                if (inFence)
                {
                    continue;
                }

                foreach (Match span in CodeSpan().Matches(lines[i]))
                {
                    if (span.Groups[1].Value.EndsWith(".cs", StringComparison.Ordinal))
                    {
                        continue; // a file name (`ServerReplication.Backlog.cs`)
                    }

                    foreach (Match reference in TypeDotMember().Matches(span.Groups[1].Value))
                    {
                        var types = DocumentedOptionTablesTests.TypesByName[reference.Groups["type"].Value].ToList();
                        if (types.Count == 0)
                        {
                            continue;
                        }

                        string member = reference.Groups["member"].Value;
                        if (relative == "docs/ECS.md" && ArchNamesInEcsDoc.Contains($"{reference.Groups["type"].Value}.{member}"))
                        {
                            continue;
                        }

                        checkedReferences++;
                        bool prefix = reference.Groups["prefix"].Success;
                        if (!types.Any(type => HasMember(type, member, prefix)))
                        {
                            failures.Add($"{relative}:{i + 1}: `{reference.Value}`: {string.Join(" or ", types.Select(type => type.FullName))} has no member {member}");
                        }
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(checkedReferences >= 200, $"only {checkedReferences} references were checked");
    }

    /// <summary>
    /// Whether <paramref name="type"/> has <paramref name="name"/> (with <paramref name="prefix"/>, a member starting with
    /// it), counting interfaces, nested types and extension methods.
    /// </summary>
    private static bool HasMember(Type type, string name, bool prefix)
    {
        if (prefix)
        {
            return type.GetMembers(Everything).Any(member => member.Name.StartsWith(name, StringComparison.Ordinal));
        }

        if (type.GetMember(name, Everything).Length > 0 || type.GetInterfaces().Any(contract => contract.GetMember(name, Everything).Length > 0))
        {
            return true;
        }

        for (Type? current = type; current is not null; current = current.BaseType)
        {
            if (current.GetNestedType(name, BindingFlags.Public | BindingFlags.NonPublic) is not null)
            {
                return true;
            }
        }

        return ExtensionReceivers[name].Any(receiver => Receives(receiver, type));
    }

    /// <summary>Whether an extension method whose <c>this</c> parameter is <paramref name="receiver"/> applies to <paramref name="type"/>.</summary>
    private static bool Receives(Type receiver, Type type)
    {
        if (receiver.IsByRef)
        {
            receiver = receiver.GetElementType()!;
        }

        if (receiver.IsGenericParameter || receiver.IsAssignableFrom(type))
        {
            return true;
        }

        var definition = receiver.IsGenericType ? receiver.GetGenericTypeDefinition() : receiver;
        return type.GetInterfaces().Append(type).Concat(Ancestors(type))
            .Any(candidate => (candidate.IsGenericType ? candidate.GetGenericTypeDefinition() : candidate) == definition);
    }

    private static IEnumerable<Type> Ancestors(Type type)
    {
        for (Type? current = type.BaseType; current is not null; current = current.BaseType)
        {
            yield return current;
        }
    }
}
