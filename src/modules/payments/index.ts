export {
  type CheckoutStarter,
  createPayments,
  type PaidNotice,
  type PaymentProviderName,
  type Payments,
  type PaymentView,
} from './payments';
export { DEFAULT_TOP_UP_TERMS, priceTopUp, type TopUpChoice, type TopUpTerms } from './terms';
