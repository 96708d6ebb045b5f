using System.Reflection;
using System.Text.RegularExpressions;

namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// Every table in README.md and docs/*.md with a "default" column is an option table: each row naming a member states
/// that member's default, and where the table has a "range" column, the limits it names. A game is written from the docs,
/// so a wrong default or name there is a bug; this reads both from the code.
/// <para>How a table says what it describes (an HTML comment on the line above it is not rendered):</para>
/// <list type="bullet">
/// <item>the type: a backticked <c>XxxOptions</c> in a header cell, or <c>&lt;!-- options: XxxOptions --&gt;</c>; rows naming
/// configuration keys (<c>`Online:Sessions:ProtocolId`</c>) start at the type whose <c>SectionName</c> is the first part and
/// follow its properties (a final <c>:N</c> is a list's items: the list itself is checked);</item>
/// <item>not an option table: <c>&lt;!-- options: none — why --&gt;</c>;</item>
/// <item>members whose default the grammar cannot state (<see cref="DocumentedValue"/>): <c>; not checked: A, B — why</c>
/// at the end of the comment; they must still exist.</item>
/// </list>
/// <para>A row names its members in the first cell, either leading it (<c>`A`</c> or <c>`A` / `B`</c>, the default cell
/// then holds as many values split by " / ") or in a parenthesis (<c>datagrams read (`MaxDatagramsPerUpdate`)</c>); a row
/// naming none is prose and is skipped. In a range cell, every <c>1,000 (`Name`)</c> is a static limit of the type with
/// that value, and a member <c>Foo</c> whose type has <c>FooLimit</c> must name it there.</para>
/// </summary>
public partial class DocumentedOptionTablesTests
{
    [GeneratedRegex(@"^`(?<name>[\w:]+)`(?:\s*/\s*`(?<name>[\w:]+)`)*")]
    private static partial Regex LeadingNames();

    [GeneratedRegex(@"\(`(?<name>\w+)`")]
    private static partial Regex ParenthesizedName();

    [GeneratedRegex(@"`(?<type>\w+Options)`")]
    private static partial Regex OptionsTypeInHeader();

    [GeneratedRegex(@"(?<value>\d[\d,.]*(?:\s*(?:KiB|MiB|GiB|bytes|ms|s|min|h|days))?)\s*\(`(?<name>\w+)`")]
    private static partial Regex NamedLimit();

    private static readonly Assembly[] OurAssemblies =
    [
        typeof(global::Traktor.Ecs.World).Assembly,
        typeof(global::Traktor.Ecs.Net.NetPeerOptions).Assembly,
        typeof(global::Traktor.Ecs.Net.Scripting.LuaScriptOptions).Assembly,
        typeof(global::Traktor.Ecs.Net.Backend.Configuration.BackendOptions).Assembly,
        typeof(global::Traktor.Ecs.Net.Online.OnlineServicesOptions).Assembly,
        typeof(global::Traktor.Ecs.Net.WebSocketServerTransport).Assembly,
    ];

    private readonly ITestOutputHelper output;

    /// <summary>Creates the test with xunit's output.</summary>
    public DocumentedOptionTablesTests(ITestOutputHelper output) => this.output = output;

    /// <summary>Every public type of ours by its name without generic arity.</summary>
    internal static ILookup<string, Type> TypesByName { get; } = OurAssemblies
        .SelectMany(assembly => assembly.GetExportedTypes())
        .ToLookup(type => type.Name.Split('`')[0], StringComparer.Ordinal);

    /// <summary>Every table of README.md and docs/*.md.</summary>
    internal static IEnumerable<MarkdownTable> AllTables()
    {
        string root = DocsCompileTests.RepositoryRoot();
        var files = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal));
        return files.SelectMany(file => MarkdownTables.Parse(Path.GetRelativePath(root, file).Replace('\\', '/'), File.ReadAllText(file)));
    }

    [Fact]
    public void Every_documented_default_and_limit_is_the_codes()
    {
        var failures = new List<string>();
        int checkedValues = 0;
        var tablesChecked = new List<string>();
        foreach (var table in AllTables().Where(table => table.Column("default") >= 0))
        {
            string marker = table.Marker is { } text && text.StartsWith("options:", StringComparison.Ordinal) ? text["options:".Length..].Trim() : "";
            if (marker.StartsWith("none", StringComparison.Ordinal))
            {
                continue;
            }

            string[] parts = marker.Split(';', 2, StringSplitOptions.TrimEntries);
            string typeName = parts[0].Length > 0 ? parts[0] : OptionsTypeInHeader().Match(string.Join(' ', table.Header)).Groups["type"].Value;
            var notChecked = parts.Length > 1 && parts[1].StartsWith("not checked:", StringComparison.Ordinal)
                ? parts[1]["not checked:".Length..].Split('—')[0].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet()
                : [];
            Type? type = null;
            if (typeName.Length > 0)
            {
                var candidates = TypesByName[typeName].ToList();
                if (candidates.Count != 1)
                {
                    failures.Add($"{table}: {candidates.Count} types of ours are named {typeName}");
                    continue;
                }

                type = candidates[0];
            }

            int before = checkedValues;
            foreach (var (line, cells) in table.Rows)
            {
                checkedValues += CheckRow(table, line, cells, type, notChecked, failures);
            }

            if (checkedValues == before)
            {
                failures.Add($"{table}: a table with a default column checked nothing; name its type above it (<!-- options: XxxOptions -->), or mark it <!-- options: none — why -->");
            }

            tablesChecked.Add($"{table} ({checkedValues - before})");
        }

        output.WriteLine($"{checkedValues} defaults and limits in {tablesChecked.Count} tables: {string.Join(", ", tablesChecked)}");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Contains(tablesChecked, table => table.StartsWith("docs/SCRIPTING.md", StringComparison.Ordinal));
        Assert.Contains(tablesChecked, table => table.StartsWith("docs/replication.md", StringComparison.Ordinal));
        Assert.True(checkedValues >= 60, $"only {checkedValues} values were checked");
    }

    /// <summary>Checks one row; returns how many values it checked, adding what is wrong to <paramref name="failures"/>.</summary>
    private static int CheckRow(MarkdownTable table, int line, string[] cells, Type? type, HashSet<string> notChecked, List<string> failures)
    {
        int defaultColumn = table.Column("default");
        if (cells.Length != table.Header.Count)
        {
            failures.Add($"{table.File}:{line}: {cells.Length} cells, the header has {table.Header.Count}");
            return 0;
        }

        var leading = LeadingNames().Match(cells[0]);
        var names = leading.Success
            ? leading.Groups["name"].Captures.Select(capture => capture.Value).ToList()
            : ParenthesizedName().Matches(cells[0]).Select(match => match.Groups["name"].Value).ToList();
        if (names.Count == 0)
        {
            return 0;
        }

        string documented = DocumentedValue.Strip(cells[defaultColumn]);
        string[] values = names.Count == 1 ? [documented] : documented.Split(" / ", StringSplitOptions.TrimEntries);
        if (values.Length != names.Count)
        {
            failures.Add($"{table.File}:{line}: {names.Count} members ({string.Join(", ", names)}) but {values.Length} defaults ('{documented}')");
            return 0;
        }

        int count = 0;
        for (int i = 0; i < names.Count; i++)
        {
            if (!TryRead(names[i], type, out var owner, out object? actual, out string problem))
            {
                failures.Add($"{table.File}:{line}: `{names[i]}`: {problem}");
                continue;
            }

            string member = names[i].Split(':').Last(part => part != "N");
            if (!notChecked.Contains(member))
            {
                count++;
                if (!DocumentedValue.Matches(DocumentedValue.Strip(values[i]), actual, out problem))
                {
                    failures.Add($"{table.File}:{line}: {owner.Name}.{member}: {problem}");
                }
            }

            count += CheckLimits(table, line, cells, owner, member, names.Count == 1, failures);
        }

        return count;
    }

    /// <summary>Checks the range cell's named limits and that a member's <c>FooLimit</c> is named there.</summary>
    private static int CheckLimits(MarkdownTable table, int line, string[] cells, Type owner, string member, bool onlyMember, List<string> failures)
    {
        int rangeColumn = table.Column("range");
        if (rangeColumn < 0)
        {
            return 0;
        }

        int count = 0;
        string range = cells[rangeColumn];
        foreach (Match limit in NamedLimit().Matches(range))
        {
            string name = limit.Groups["name"].Value;
            var field = owner.GetMember(name, BindingFlags.Public | BindingFlags.Static).FirstOrDefault();
            if (field is null)
            {
                failures.Add($"{table.File}:{line}: {owner.Name} has no static `{name}` (the range cell names it)");
                continue;
            }

            count++;
            object? value = field is FieldInfo info ? info.GetValue(null) : ((PropertyInfo)field).GetValue(null);
            if (!DocumentedValue.Matches(limit.Groups["value"].Value.Trim(), value, out string problem))
            {
                failures.Add($"{table.File}:{line}: {owner.Name}.{name}: {problem}");
            }
        }

        string limitName = member + "Limit";
        if (owner.GetMember(limitName, BindingFlags.Public | BindingFlags.Static).Length > 0 && onlyMember && !range.Contains($"(`{limitName}`", StringComparison.Ordinal))
        {
            failures.Add($"{table.File}:{line}: {owner.Name}.{limitName} bounds `{member}`: write it in the range cell as '<value> (`{limitName}`)'");
        }

        return count;
    }

    /// <summary>Reads a member's default from a new instance of <paramref name="type"/>, or follows a configuration key.</summary>
    private static bool TryRead(string name, Type? type, out Type owner, out object? value, out string problem)
    {
        string[] path = name.Split(':');
        if (path[^1] == "N")
        {
            path = path[..^1];
        }

        value = null;
        owner = type ?? typeof(object);
        if (path.Length > 1)
        {
            var sections = TypesByName.SelectMany(group => group)
                .Where(candidate => candidate.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string == path[0])
                .ToList();
            if (sections.Count != 1)
            {
                problem = $"{sections.Count} types of ours have SectionName \"{path[0]}\"";
                return false;
            }

            owner = sections[0];
            path = path[1..];
        }
        else if (type is null)
        {
            problem = "the table names no options type: put <!-- options: XxxOptions --> above it, or <!-- options: none — why -->";
            return false;
        }

        object? instance = Activator.CreateInstance(owner);
        for (int i = 0; i < path.Length; i++)
        {
            var property = owner.GetProperty(path[i], BindingFlags.Public | BindingFlags.Instance);
            if (property is null)
            {
                problem = $"{owner.Name} has no public property {path[i]}";
                return false;
            }

            value = property.GetValue(instance);
            if (i < path.Length - 1)
            {
                owner = property.PropertyType;
                instance = value;
            }
        }

        problem = "";
        return true;
    }
}
