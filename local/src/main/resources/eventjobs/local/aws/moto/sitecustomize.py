"""Loaded by the moto_server the local runtime starts (its PYTHONPATH names this folder).

moto's TransactWriteItems backs up every table a transaction names with copy.deepcopy before it
writes, so each transaction costs time in proportion to the size of those tables: 220 ms at 10,000
items, seconds at 100,000, where DynamoDB takes the same few milliseconds at any size. This makes a
transaction back up only the items it touches (and the length of each touched table's stream) and
put those back when moto cancels it, which is what moto's own rollback restores. Nothing else
changes. With a moto whose internals differ, moto is left as it is and its log says so.
"""
import copy
import sys

try:
    from moto.dynamodb import models as _models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    _original = _models.DynamoDBBackend.transact_write_items
except Exception as _error:  # noqa: BLE001 - any other moto: leave it alone
    sys.stderr.write("eventjobs: TransactWriteItems left as moto has it (%r)\n" % (_error,))
else:

    class _TablesNotCopied:
        """The copy module as moto's DynamoDB backend sees it: tables are not deep-copied."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value, memo=None):
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def _key(table, attributes):
        hash_value = DynamoType(attributes[table.hash_key_attr])
        range_value = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
        return hash_value, range_value

    def _put_back(table, hash_value, range_value, item):
        if range_value is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        elif item is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item

    def transact_write_items(self, transact_items):
        backups = []
        streams = {}
        for entry in transact_items:
            try:
                op_type, op = next(iter(entry.items()))
                table = self.tables[op["TableName"]]
                hash_value, range_value = _key(table, op["Item"] if op_type == "Put" else op["Key"])
                current = table.get_item(hash_value, range_value)
            except Exception:  # noqa: BLE001 - moto's own checks answer a malformed action
                continue
            backups.append((table, hash_value, range_value, copy.deepcopy(current)))
            if table.stream_shard is not None:
                streams.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
        try:
            return _original(self, transact_items)
        except BaseException:
            for table, hash_value, range_value, item in reversed(backups):
                _put_back(table, hash_value, range_value, item)
            for shard, length in streams.values():
                del shard.items[length:]
            raise

    _models.copy = _TablesNotCopied()
    _models.DynamoDBBackend.transact_write_items = transact_write_items


# moto's UpdateItem, when it creates the item, first puts the bare key (a stream record of its own:
# an INSERT whose NewImage holds the key only) and then writes the update (a second INSERT, the whole
# item). DynamoDB writes one record, the second. A stream reader would otherwise see an item that
# never existed. The key's record is left out; an UpdateItem of an existing item is as moto has it.
try:
    import threading

    from moto.dynamodb.models.table import StreamShard

    _original_update_item = _models.DynamoDBBackend.update_item
    _original_stream_add = StreamShard.add
except Exception as _error:  # noqa: BLE001 - any other moto: leave it alone
    sys.stderr.write("eventjobs: UpdateItem's stream records left as moto has them (%r)\n" % (_error,))
else:
    _updating = threading.local()

    def update_item(self, *args, **kwargs):
        _updating.first_record = True
        try:
            return _original_update_item(self, *args, **kwargs)
        finally:
            _updating.first_record = False

    def stream_add(self, old, new):
        first = getattr(_updating, "first_record", False)
        _updating.first_record = False
        if first and old is None and new is not None and set(new.attrs) <= set(self._eventjobs_key_names()):
            return None
        return _original_stream_add(self, old, new)

    def _key_names(self):
        return [name for name in (self.table.hash_key_attr, self.table.range_key_attr) if name]

    StreamShard._eventjobs_key_names = _key_names
    _models.DynamoDBBackend.update_item = update_item
    StreamShard.add = stream_add
