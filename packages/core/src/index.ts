export {
  ErrorCode,
  TillkitError,
  ValidationError,
  MoneyError,
  StateError,
  DeviceError,
  NetworkError,
  StorageError,
} from './errors';
