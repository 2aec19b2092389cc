export { TesseraService, type ServiceConnection, type ServiceOptions, type ServicePlatform } from './service.js';
