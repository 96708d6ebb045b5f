using Npgsql;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// A schema of its own on the PostgreSQL server named by TRAKTOR_TEST_POSTGRES, dropped on dispose: a test's database,
/// shared by every node it starts. Without the variable the test is reported skipped (<see cref="PostgresHarness.RequireConnectionString"/>).
/// </summary>
internal sealed class PostgresSchema : IAsyncDisposable
{
    private readonly string _adminConnectionString;
    private readonly string _name;

    private PostgresSchema(string adminConnectionString, string name, int? maxPoolSize)
    {
        _adminConnectionString = adminConnectionString;
        _name = name;
        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { SearchPath = name };
        if (maxPoolSize is { } size) builder.MaxPoolSize = size;
        ConnectionString = builder.ConnectionString;
    }

    /// <summary>A connection string whose search path is this schema.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates a fresh schema (skips the test without a server).</summary>
    public static async Task<PostgresSchema> CreateAsync(int? maxPoolSize = null)
    {
        var schema = new PostgresSchema(PostgresHarness.RequireConnectionString(), "t_" + Guid.NewGuid().ToString("N"), maxPoolSize);
        await schema.ExecuteAsync($"CREATE SCHEMA {schema._name}");
        return schema;
    }

    public ValueTask DisposeAsync() => new(ExecuteAsync($"DROP SCHEMA {_name} CASCADE"));

    private async Task ExecuteAsync(string sql)
    {
        await using var admin = new NpgsqlConnection(_adminConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }
}
