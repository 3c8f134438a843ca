using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>Creates the tables of <see cref="Tables.All"/> where they are missing (local stack and tests; the CDK app owns AWS).</summary>
public sealed class TableProvisioner(IAmazonDynamoDB dynamo)
{
    public async Task<IReadOnlyList<string>> EnsureAsync(ResourceBindings names, CancellationToken cancellationToken)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        string? start = null;
        do
        {
            var page = await dynamo.ListTablesAsync(new ListTablesRequest { ExclusiveStartTableName = start }, cancellationToken).ConfigureAwait(false);
            existing.UnionWith(page.TableNames ?? []);
            start = page.LastEvaluatedTableName;
        }
        while (start is not null);

        var created = new List<string>();
        foreach (var table in Tables.All)
        {
            var name = names.Table(table);
            if (existing.Contains(name))
            {
                continue;
            }

            try
            {
                await dynamo.CreateTableAsync(ToRequest(table, name), cancellationToken).ConfigureAwait(false);
                created.Add(name);
            }
            catch (ResourceInUseException)
            {
                // Created by a concurrent caller: the outcome is the same.
            }
        }

        foreach (var name in created)
        {
            await WaitActiveAsync(name, cancellationToken).ConfigureAwait(false);
        }

        return created;
    }

    public static CreateTableRequest ToRequest(TableDefinition table, string name)
    {
        var attributes = new Dictionary<string, KeyField>(StringComparer.Ordinal);
        void Note(KeyField? a)
        {
            if (a is not null) attributes[a.Name] = a;
        }

        Note(table.PartitionKey);
        Note(table.SortKey);
        foreach (var index in table.GlobalIndexes)
        {
            Note(index.PartitionKey);
            Note(index.SortKey);
        }

        return new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = attributes.Values.Select(a => new AttributeDefinition(a.Name, a.Type == ECommerceAgents.Resources.KeyType.N ? ScalarAttributeType.N : ScalarAttributeType.S)).ToList(),
            KeySchema = KeySchema(table.PartitionKey, table.SortKey),
            GlobalSecondaryIndexes = table.GlobalIndexes.Count == 0
                ? null
                : table.GlobalIndexes.Select(i => new GlobalSecondaryIndex
                {
                    IndexName = i.Name,
                    KeySchema = KeySchema(i.PartitionKey, i.SortKey),
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                }).ToList(),
        };
    }

    private static List<KeySchemaElement> KeySchema(KeyField partition, KeyField? sort)
    {
        var schema = new List<KeySchemaElement> { new(partition.Name, Amazon.DynamoDBv2.KeyType.HASH) };
        if (sort is not null) schema.Add(new KeySchemaElement(sort.Name, Amazon.DynamoDBv2.KeyType.RANGE));
        return schema;
    }

    private async Task WaitActiveAsync(string name, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 200; i++)
        {
            var table = await dynamo.DescribeTableAsync(name, cancellationToken).ConfigureAwait(false);
            if (table.Table.TableStatus == TableStatus.ACTIVE) return;
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"Table {name} did not become ACTIVE.");
    }
}
